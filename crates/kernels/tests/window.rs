//! The sliding-window geometry shared by convolution, depthwise convolution
//! and pooling, against the output sizes and paddings TensorFlow computes.

use sinew_kernels::conv::depthwise::Depthwise2d;
use sinew_kernels::conv::Conv2d;
use sinew_kernels::pool::Pool2d;
use sinew_kernels::window::{out_and_pad, Padding, Window2d};

/// `(in, k, stride, dilation, padding) -> (out, pad_before, pad_after)`, as
/// TensorFlow.js 4.22's `backend_util.computeConv2DInfo` gives them (its
/// negative VALID sizes, a window larger than the input, are 0 here).
const TF: [(usize, usize, usize, usize, Padding, usize, usize, usize); 38] = [
    (28, 3, 1, 1, Padding::Same, 28, 1, 1),
    (28, 3, 1, 1, Padding::Valid, 26, 0, 0),
    (28, 2, 2, 1, Padding::Same, 14, 0, 0),
    (28, 2, 2, 1, Padding::Valid, 14, 0, 0),
    (5, 3, 2, 1, Padding::Same, 3, 1, 1),
    (5, 3, 2, 1, Padding::Valid, 2, 0, 0),
    (28, 5, 1, 1, Padding::Same, 28, 2, 2),
    (28, 5, 1, 1, Padding::Valid, 24, 0, 0),
    (7, 2, 2, 1, Padding::Same, 4, 0, 1), // pad_total 1: all of it at the bottom
    (7, 2, 2, 1, Padding::Valid, 3, 0, 0),
    (6, 3, 2, 1, Padding::Same, 3, 0, 1),
    (6, 3, 2, 1, Padding::Valid, 2, 0, 0),
    (7, 3, 2, 1, Padding::Same, 4, 1, 1),
    (7, 3, 2, 1, Padding::Valid, 3, 0, 0),
    (2, 3, 1, 1, Padding::Same, 2, 1, 1),
    (2, 3, 1, 1, Padding::Valid, 0, 0, 0),
    (1, 5, 1, 1, Padding::Same, 1, 2, 2),
    (1, 5, 1, 1, Padding::Valid, 0, 0, 0), // TF.js: -3
    (8, 4, 3, 1, Padding::Same, 3, 1, 1),
    (8, 4, 3, 1, Padding::Valid, 2, 0, 0),
    (224, 7, 2, 1, Padding::Same, 112, 2, 3), // ResNet stem: pad_total 5
    (224, 7, 2, 1, Padding::Valid, 109, 0, 0),
    (9, 3, 3, 1, Padding::Same, 3, 0, 0),
    (9, 3, 3, 1, Padding::Valid, 3, 0, 0),
    (10, 3, 3, 1, Padding::Same, 4, 1, 1),
    (10, 3, 3, 1, Padding::Valid, 3, 0, 0),
    (11, 4, 3, 1, Padding::Same, 4, 1, 1),
    (11, 4, 3, 1, Padding::Valid, 3, 0, 0),
    (10, 3, 1, 2, Padding::Same, 10, 2, 2),
    (10, 3, 1, 2, Padding::Valid, 6, 0, 0),
    (9, 3, 1, 3, Padding::Same, 9, 3, 3),
    (9, 3, 1, 3, Padding::Valid, 3, 0, 0),
    (5, 3, 1, 3, Padding::Same, 5, 3, 3),
    (5, 3, 1, 3, Padding::Valid, 0, 0, 0), // TF.js: -1
    (6, 2, 1, 4, Padding::Same, 6, 2, 2),
    (6, 2, 1, 4, Padding::Valid, 2, 0, 0),
    (12, 5, 1, 2, Padding::Same, 12, 4, 4),
    (12, 5, 1, 2, Padding::Valid, 4, 0, 0),
];

fn square(input: usize, k: usize, s: usize, d: usize, pad: Padding) -> Window2d {
    Window2d { h: input, w: input, kh: k, kw: k, stride_h: s, stride_w: s, dil_h: d, dil_w: d, pad }
}

#[test]
fn output_sizes_and_padding_follow_tensorflow() {
    for (input, k, s, d, pad, out, before, after) in TF {
        let win = square(input, k, s, d, pad);
        let got = (win.out_h(), win.out_w(), win.pad_top(), win.pad_left(), win.pad_bottom(), win.pad_right());
        assert_eq!(got, (out, out, before, before, after, after), "{win:?}");
        assert_eq!(out_and_pad(input, (k - 1) * d + 1, s, pad), (out, before), "{win:?}");
        assert_eq!(win.fits(), out > 0, "{win:?}");
    }
    // Rows and columns are independent.
    let win = Window2d { h: 7, w: 6, kh: 2, kw: 3, stride_h: 2, stride_w: 2, dil_h: 1, dil_w: 1, pad: Padding::Same };
    assert_eq!((win.pad_top(), win.pad_bottom(), win.pad_left(), win.pad_right()), (0, 1, 0, 1));
    let win = Window2d { h: 1, w: 5, kh: 5, kw: 3, stride_h: 1, stride_w: 2, dil_h: 1, dil_w: 1, pad: Padding::Same };
    assert_eq!((win.pad_top(), win.pad_bottom(), win.pad_left(), win.pad_right()), (2, 2, 1, 1));
    let win = Window2d { h: 9, w: 9, kh: 3, kw: 3, stride_h: 1, stride_w: 1, dil_h: 3, dil_w: 1, pad: Padding::Valid };
    assert_eq!((win.span_h(), win.span_w(), win.out_h(), win.out_w()), (7, 3, 3, 7));
}

#[test]
fn the_strided_dilated_rule_is_tensorflows() {
    assert!(!square(9, 3, 1, 2, Padding::Same).strided_and_dilated());
    assert!(!square(9, 3, 2, 1, Padding::Same).strided_and_dilated());
    let win = Window2d { stride_w: 2, dil_h: 2, ..square(9, 3, 1, 1, Padding::Same) };
    assert!(win.strided_and_dilated());
}

#[test]
fn every_op_takes_its_sizes_from_its_window() {
    for (input, k, s, d, pad, out, ..) in TF {
        let dw = Depthwise2d { n: 1, h: input, w: input + 1, c: 1, kh: k, kw: k, m: 1, stride_h: s, stride_w: s, dil_h: d, dil_w: d, pad };
        assert_eq!((dw.out_h(), dw.window()), (out, Window2d { w: input + 1, ..square(input, k, s, d, pad) }));
        if d == 1 {
            let c = Conv2d { n: 1, h: input, w: input, c_in: 1, kh: k, kw: k, c_out: 1, stride_h: s, stride_w: s, pad };
            let p = Pool2d { n: 1, h: input, w: input, c: 1, kh: k, kw: k, stride_h: s, stride_w: s, pad };
            assert_eq!((c.out_h(), c.out_w(), c.window()), (out, out, square(input, k, s, 1, pad)));
            assert_eq!((p.out_h(), p.out_w(), p.window()), (out, out, square(input, k, s, 1, pad)));
        }
    }
}
