//! Column widths shared by content: each column asks for its widest cell
//! (header included) within a minimum and a cap; when the row is too
//! narrow the widest columns give up width first, so a long HOST shrinks
//! before LAST TEST is cut, and a cut cell ends in `…` (`super::fit`).
//! The widest cells come cached with the data (`RowCache::widths`), so a
//! frame does not look at every row.

/// One column: its header, and the narrowest and widest it may be.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub header: &'static str,
    pub min: u16,
    pub max: u16,
}

pub const fn col(header: &'static str, min: u16, max: u16) -> Col {
    Col { header, min, max }
}

/// Widths for `cols` in `avail` characters (the spaces between columns
/// already taken off): each the widest of `widest` and its header (the
/// `sorted` one with its marker), clamped to its bounds; then the widest columns shrink
/// one by one until the row fits (none below its minimum); room left over
/// pads each column by one, then goes to column `fill`.
pub fn share<const N: usize>(
    avail: u16,
    cols: &[Col; N],
    widest: &[u16],
    (sorted, fill): (usize, usize),
) -> [u16; N] {
    let mut w = [0u16; N];
    for (i, c) in cols.iter().enumerate() {
        // Room for the sort marker (` ▲`) in the sorted column's header.
        let marker = if i == sorted { 2 } else { 0 };
        let header = c.header.chars().count() as u16 + marker;
        let want = widest.get(i).copied().unwrap_or(0).max(header);
        w[i] = want.clamp(c.min, c.max.max(c.min));
    }
    let mut total: u16 = w.iter().sum();
    while total > avail {
        let Some(i) = (0..N)
            .filter(|&i| w[i] > cols[i].min)
            .max_by_key(|&i| (w[i], std::cmp::Reverse(i)))
        else {
            break;
        };
        w[i] -= 1;
        total -= 1;
    }
    // Room left: a space more after each column first (easier to read),
    // then the rest to `fill`.
    for x in &mut w {
        if total < avail {
            *x += 1;
            total += 1;
        }
    }
    if total < avail
        && let Some(x) = w.get_mut(fill)
    {
        *x += avail - total;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Col; 3] = [
        col("NAME", 6, 30),
        col("HOST", 6, 60),
        col("LAST TEST", 9, 40),
    ];

    #[test]
    fn the_widest_column_gives_way_first() {
        // HOST wants 60, LAST TEST 22: in 60 characters LAST TEST is whole.
        let w = share(60, &COLS, &[12, 60, 22], (0, 1));
        assert_eq!(w[2], 22, "{w:?}");
        assert_eq!(w[0], 12, "{w:?}");
        assert_eq!(w.iter().sum::<u16>(), 60);
    }

    #[test]
    fn room_left_goes_to_the_fill_column_and_minimums_hold() {
        assert_eq!(share(50, &COLS, &[4, 10, 9], (0, 1)), [7, 33, 10]);
        let w = share(10, &COLS, &[40, 60, 40], (0, 1));
        assert_eq!(w, [6, 6, 9], "no column below its minimum");
    }
}
