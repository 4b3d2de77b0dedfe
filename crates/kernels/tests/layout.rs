//! Data-movement kernels against naive index loops: gather / scatter-add,
//! slice / unslice, concat / split. All exact (copies and, for scatter-add,
//! sums in a fixed order), so results must be bit-identical.

use sinew_kernels::layout::{concat, gather, scatter_add, slice, split, unslice};

mod common;
use common::Rng;

/// `[outer, len, inner]` row `(o, i)` starts at `(o·len + i)·inner`.
fn naive_scatter_add(d: &[f32], outer: usize, len: usize, inner: usize, idx: &[usize]) -> Vec<f32> {
    let k = idx.len();
    let mut g = vec![0.0f32; outer * len * inner];
    for o in 0..outer {
        for (j, &i) in idx.iter().enumerate() {
            for t in 0..inner {
                g[(o * len + i) * inner + t] += d[(o * k + j) * inner + t];
            }
        }
    }
    g
}

#[test]
fn gather_and_scatter_add_match_index_loops() {
    let mut rng = Rng(3);
    // (outer, len, inner, indices): repeats, unused rows, empty index lists.
    let cases: Vec<(usize, usize, usize, Vec<usize>)> = vec![
        (1, 5, 3, vec![4, 0, 4, 4, 2]),
        (3, 4, 1, vec![1, 1, 3]),
        (2, 3, 7, vec![]),
        (1, 1, 5, vec![0; 9]),
        (4, 6, 0, vec![5, 1]),
        (1, 1000, 64, (0..3000).map(|j| (j * 7919) % 1000).collect()),
        // Split over the pool (≥ 65,536 values): tasks of whole rows that
        // cross `outer` blocks, and rows wider than a task's share.
        (3, 500, 50, (0..600).map(|j| (j * 31) % 500).collect()),
        (1, 4, 40_000, vec![3, 1, 2]),
    ];
    for (outer, len, inner, idx) in cases {
        let src = rng.vec(outer * len * inner);
        let mut got = vec![f32::NAN; outer * idx.len() * inner];
        gather(&src, outer, len, inner, &idx, &mut got);
        let want: Vec<f32> = (0..outer)
            .flat_map(|o| idx.iter().flat_map(move |&i| (0..inner).map(move |t| (o, i, t))))
            .map(|(o, i, t)| src[(o * len + i) * inner + t])
            .collect();
        assert_eq!(got, want, "gather {outer}x{len}x{inner}");

        let d = rng.vec(outer * idx.len() * inner);
        let mut g = vec![f32::NAN; outer * len * inner];
        scatter_add(&d, outer, len, inner, &idx, &mut g);
        assert_eq!(g, naive_scatter_add(&d, outer, len, inner, &idx), "scatter_add {outer}x{len}x{inner}");
    }
}

#[test]
fn scatter_add_is_identical_on_one_and_two_threads() {
    // An embedding-table gradient: 50k rows of 128 from 20k lookups with many
    // repeats (so rows sum several sources), large enough to run in parallel.
    let (len, inner) = (50_000, 128);
    let idx: Vec<usize> = (0..20_000).map(|j| (j * j + 7) % 997 * 50 % len).collect();
    let d = Rng(9).vec(idx.len() * inner);
    let run = || {
        let mut g = vec![0.0f32; len * inner];
        scatter_add(&d, 1, len, inner, &idx, &mut g);
        g
    };
    let one = sinew_kernels::par::with_max_threads(1, run);
    let two = sinew_kernels::par::with_max_threads(2, run);
    assert_eq!(one, two);
    assert_eq!(one, naive_scatter_add(&d, 1, len, inner, &idx));
}

#[test]
#[should_panic(expected = "out of range")]
fn scatter_add_rejects_an_index_past_the_table() {
    scatter_add(&[1.0], 1, 2, 1, &[2], &mut [0.0; 2]);
}

#[test]
fn slice_and_unslice_match_index_loops() {
    let mut rng = Rng(5);
    let cases: Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> = vec![
        (vec![4, 5, 3], vec![1, 2, 0], vec![2, 3, 3]),
        (vec![4, 5, 3], vec![0, 0, 1], vec![4, 5, 1]),
        (vec![7], vec![2], vec![4]),
        (vec![3, 3], vec![1, 1], vec![0, 2]),
        (vec![], vec![], vec![]),
    ];
    for (shape, begin, size) in cases {
        let n: usize = shape.iter().product();
        let src = rng.vec(n);
        let st: Vec<usize> = (0..shape.len()).map(|d| shape[d + 1..].iter().product()).collect();
        // Naive: every block coordinate through the full tensor's strides.
        let m: usize = size.iter().product();
        let coords = |mut r: usize| -> usize {
            let mut at = 0;
            for d in (0..size.len()).rev() {
                at += (begin[d] + r % size[d]) * st[d];
                r /= size[d];
            }
            at
        };
        let mut got = vec![f32::NAN; m];
        slice(&src, &shape, &begin, &size, &mut got);
        let want: Vec<f32> = (0..m).map(|r| src[coords(r)]).collect();
        assert_eq!(got, want, "slice {shape:?} {begin:?} {size:?}");

        let mut full = vec![f32::NAN; n];
        unslice(&got, &shape, &begin, &size, &mut full);
        let mut want = vec![0.0; n];
        for r in 0..m {
            want[coords(r)] = got[r];
        }
        assert_eq!(full, want, "unslice {shape:?} {begin:?} {size:?}");
    }
}

#[test]
fn concat_then_split_gives_the_parts_back() {
    let mut rng = Rng(8);
    for (outer, widths) in [(3usize, vec![2usize, 5, 1]), (1, vec![4, 4]), (5, vec![0, 3]), (0, vec![2, 2])] {
        let parts: Vec<Vec<f32>> = widths.iter().map(|&w| rng.vec(outer * w)).collect();
        let refs: Vec<&[f32]> = parts.iter().map(|p| p.as_slice()).collect();
        let total: usize = widths.iter().sum();
        let mut joined = vec![f32::NAN; outer * total];
        concat(&refs, outer, &mut joined);
        // Row o of the result is row o of each part, in order.
        let want: Vec<f32> = (0..outer).flat_map(|o| parts.iter().zip(&widths).flat_map(move |(p, &w)| p[o * w..(o + 1) * w].to_vec())).collect();
        assert_eq!(joined, want);
        let mut start = 0;
        for (p, &w) in parts.iter().zip(&widths) {
            let mut back = vec![f32::NAN; outer * w];
            split(&joined, outer, total, start, w, &mut back);
            assert_eq!(&back, p);
            start += w;
        }
    }
}
