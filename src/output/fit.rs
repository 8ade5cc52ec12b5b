//! Fitting tables to the terminal, for every table view (`query`, `traces`, `trace`): the
//! columns that matter (ids, times, durations, numbers) keep their full width and the free-text
//! columns share what is left, the widest giving way first. Widths are terminal columns
//! (display width), so wide characters such as CJK or emoji do not push a line past the edge.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The narrowest a free-text column is cut to: three characters and `…` still say something.
pub const MIN_FREE: usize = 4;

/// The width to fit stdout to: the terminal's, else `COLUMNS`, else 120.
pub fn terminal_width() -> usize {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| w.0 as usize)
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .unwrap_or(120)
        .max(40)
}

/// How many terminal columns `text` takes.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` cut to `width` terminal columns, the last one `…` when cut.
pub fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` cut or padded to exactly `width` terminal columns.
pub fn cell(text: &str, width: usize) -> String {
    let cut = cut(text, width);
    let pad = width.saturating_sub(cut.width());
    format!("{cut}{}", " ".repeat(pad))
}

/// The widths of a table's columns, given each column's natural width (its widest cell or
/// header), which of them are fixed, and `room`: the terminal columns left for cells once
/// borders and gaps are counted. Fixed columns keep their natural width; the free ones share
/// what the fixed ones leave, never below [`MIN_FREE`] (or their natural width when smaller).
/// The result is wider than `room` when the fixed columns alone are: callers check first and
/// lay such rows out otherwise (`traces` on two lines, `query` as one record per row).
pub fn widths(natural: &[usize], fixed: &[bool], room: usize) -> Vec<usize> {
    let mut w = natural.to_vec();
    let (fixed_cols, free_cols): (Vec<usize>, Vec<usize>) =
        (0..natural.len()).partition(|&i| fixed[i]);
    let taken: usize = fixed_cols.iter().map(|&i| w[i]).sum();
    share(&mut w, &free_cols, room.saturating_sub(taken));
    w
}

/// Water-filling: the `columns` share `room`; those narrower than an equal share keep their
/// width and leave the rest to the wider ones.
fn share(widths: &mut [usize], columns: &[usize], mut room: usize) {
    let mut order = columns.to_vec();
    order.sort_by_key(|&i| widths[i]);
    let mut left = order.len();
    for i in order {
        let equal = (room / left).max(MIN_FREE);
        widths[i] = widths[i].min(equal);
        room = room.saturating_sub(widths[i]);
        left -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_count_terminal_columns() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abc", 0), "");
        assert_eq!(cell("ab", 4), "ab  ");
        assert_eq!(cell("abcdef", 3), "ab…");
        // Wide characters take two columns: the cut stops before one would cross the edge.
        assert_eq!(cut("日本語テキスト", 6), "日本…");
        assert_eq!(width(&cell("日本語テキスト", 6)), 6);
        assert_eq!(width(&cell("日本語", 6)), 6);
    }

    #[test]
    fn free_text_gives_way_and_fixed_columns_keep_their_width() {
        // id 35, time 24, inputs 300, outputs 40, flag 5: 80 columns of room.
        let natural = [35, 24, 300, 40, 5];
        let fixed = [true, true, false, false, true];
        let w = widths(&natural, &fixed, 80);
        assert_eq!(w, [35, 24, 8, 8, 5]);
        // Wider: the narrower free column keeps its width, the wide one takes the rest.
        let w = widths(&natural, &fixed, 200);
        assert_eq!(w, [35, 24, 96, 40, 5]);
        assert_eq!(w.iter().sum::<usize>(), 200);
        // Everything fits: nothing changes.
        assert_eq!(widths(&natural, &fixed, 1000), natural);
    }

    #[test]
    fn free_columns_keep_a_minimum_and_fixed_ones_are_never_cut() {
        let natural = [36, 36, 50];
        let fixed = [true, true, false];
        assert_eq!(widths(&natural, &fixed, 60), [36, 36, MIN_FREE]);
        // A free column narrower than the minimum stays as it is.
        assert_eq!(widths(&[2, 100], &[false, true], 50), [2, 100]);
    }
}
