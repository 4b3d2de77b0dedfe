//! The geometry every 2-D sliding-window op shares (convolution, depthwise
//! convolution, pooling): input height and width, window size, strides,
//! dilations and padding, and from them the output size and the padding on
//! each side, with TensorFlow's exact rules. The ops' shape structs
//! ([`crate::conv::Conv2d`], [`crate::conv::depthwise::Depthwise2d`],
//! [`crate::pool::Pool2d`]) describe their window through
//! [`Window2d`] and never compute sizes or padding themselves.

/// Padding mode, with TensorFlow's exact semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Padding {
    /// `out = ceil(in / stride)`; `pad_total = max((out-1)·stride + k - in, 0)`,
    /// `pad_before = pad_total / 2` (the odd element goes bottom / right).
    #[default]
    Same,
    /// No padding: `out = ceil((in - k + 1) / stride)` (0 when `k > in`).
    Valid,
}

/// Output size and leading padding along one spatial axis, as TensorFlow
/// computes them. Returns `(out, pad_before)`. `stride` must be > 0; `k` is
/// the window's extent (for a dilated window, `(taps - 1)·dilation + 1`).
pub fn out_and_pad(input: usize, k: usize, stride: usize, pad: Padding) -> (usize, usize) {
    assert!(stride > 0, "stride must be > 0");
    match pad {
        Padding::Same => {
            let out = input.div_ceil(stride);
            if out == 0 {
                return (0, 0);
            }
            let pad_total = ((out - 1) * stride + k).saturating_sub(input);
            (out, pad_total / 2)
        }
        Padding::Valid => {
            if k > input || k == 0 {
                (if k == 0 { input.div_ceil(stride) } else { 0 }, 0)
            } else {
                ((input - k + 1).div_ceil(stride), 0)
            }
        }
    }
}

fn span(taps: usize, dil: usize) -> usize {
    taps.checked_sub(1).map_or(0, |t| t * dil + 1)
}

/// A 2-D sliding window over an `h × w` input: `kh × kw` taps, `dil_*`
/// apart, moved by `stride_*`, with TensorFlow's `pad`. Ops without dilation
/// use 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window2d {
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dil_h: usize,
    pub dil_w: usize,
    pub pad: Padding,
}

/// Where a [`Window2d`] puts its outputs: `oh × ow` of them, the first
/// window starting `pt` rows above and `pl` columns left of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub oh: usize,
    pub ow: usize,
    pub pt: usize,
    pub pl: usize,
}

impl Window2d {
    /// Rows one window covers, dilation included: `(kh-1)·dil_h + 1` (0 for
    /// an empty window).
    pub fn span_h(&self) -> usize {
        span(self.kh, self.dil_h)
    }
    /// Columns one window covers: `(kw-1)·dil_w + 1`.
    pub fn span_w(&self) -> usize {
        span(self.kw, self.dil_w)
    }
    fn rows(&self) -> (usize, usize) {
        out_and_pad(self.h, self.span_h(), self.stride_h, self.pad)
    }
    fn cols(&self) -> (usize, usize) {
        out_and_pad(self.w, self.span_w(), self.stride_w, self.pad)
    }
    pub fn out_h(&self) -> usize {
        self.rows().0
    }
    pub fn out_w(&self) -> usize {
        self.cols().0
    }
    /// Padding above the input.
    pub fn pad_top(&self) -> usize {
        self.rows().1
    }
    /// Padding left of the input.
    pub fn pad_left(&self) -> usize {
        self.cols().1
    }
    /// Padding below the input (SAME: `pad_total - pad_top`; may exceed
    /// `pad_top` by one).
    pub fn pad_bottom(&self) -> usize {
        let (oh, top) = self.rows();
        if oh == 0 { 0 } else { ((oh - 1) * self.stride_h + self.span_h()).saturating_sub(self.h + top) }
    }
    pub fn pad_right(&self) -> usize {
        let (ow, left) = self.cols();
        if ow == 0 { 0 } else { ((ow - 1) * self.stride_w + self.span_w()).saturating_sub(self.w + left) }
    }
    /// Whether there is at least one output position (VALID padding has none
    /// when the window is larger than the input).
    pub fn fits(&self) -> bool {
        self.out_h() > 0 && self.out_w() > 0
    }
    /// Whether this window breaks TensorFlow's rule that a dilated window
    /// moves with stride 1.
    pub fn strided_and_dilated(&self) -> bool {
        (self.stride_h > 1 || self.stride_w > 1) && (self.dil_h > 1 || self.dil_w > 1)
    }

    /// The output size and leading padding, for a kernel about to run `op`:
    /// panics (naming `op` and `shape`, the op's own struct) unless strides
    /// and dilations are > 0 and the window is non-empty.
    pub(crate) fn place(&self, op: &str, shape: &dyn core::fmt::Debug) -> Placement {
        assert!(
            self.stride_h > 0 && self.stride_w > 0 && self.dil_h > 0 && self.dil_w > 0 && self.kh > 0 && self.kw > 0,
            "{op}: strides and dilations must be > 0 and the window non-empty, got {shape:?}"
        );
        let ((oh, pt), (ow, pl)) = (self.rows(), self.cols());
        Placement { oh, ow, pt, pl }
    }
}

/// The buffer-length check of every windowed kernel: `name` of `op` must
/// hold `want` elements for `shape`.
pub(crate) fn check_len(op: &str, name: &str, got: usize, want: usize, shape: &dyn core::fmt::Debug) {
    assert!(got == want, "{op}: {name} has {got} elements, expected {want} for {shape:?}");
}
