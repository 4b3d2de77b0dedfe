//! Depthwise 2-D convolution (NHWC input, `[kh, kw, c, multiplier]` filters,
//! as TensorFlow's `depthwiseConv2d`) and its two gradients.

use sinew_kernels::activation::Activation;
use sinew_kernels::conv::depthwise::{self as k, Depthwise2d};
use sinew_kernels::conv::Padding;

use super::conv::{bias_of, check_fits, check_strides, expect_dy, expect_input_and_filter};
use super::{emit, Op};
use crate::error::{EngineError, Result};
use crate::shape::{fmt_shape, size_of};
use crate::store::{Store, Tensor, TensorId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseArgs {
    pub stride_h: usize,
    pub stride_w: usize,
    pub dil_h: usize,
    pub dil_w: usize,
    pub pad: Padding,
}

/// Builds and checks the geometry shared by the forward op and both gradients.
fn geometry(op: &str, x_shape: &[usize], w_shape: &[usize], a: DepthwiseArgs) -> Result<Depthwise2d> {
    expect_input_and_filter(op, x_shape, w_shape)?;
    let p = Depthwise2d {
        n: x_shape[0],
        h: x_shape[1],
        w: x_shape[2],
        c: x_shape[3],
        kh: w_shape[0],
        kw: w_shape[1],
        m: w_shape[3],
        stride_h: a.stride_h,
        stride_w: a.stride_w,
        dil_h: a.dil_h,
        dil_w: a.dil_w,
        pad: a.pad,
    };
    check_strides(op, &p.window())?;
    if p.kh == 0 || p.kw == 0 || p.m == 0 {
        return Err(EngineError::shape(op, format!("filter {} is empty", fmt_shape(w_shape))));
    }
    check_fits(op, &p.window(), || (format!("filter {}x{} (dilations {}x{})", p.kh, p.kw, p.dil_h, p.dil_w), format!("{}x{}", p.h, p.w)))?;
    size_of(op, &[p.n, p.out_h(), p.out_w(), p.c_out()])?;
    Ok(p)
}

/// `y = act(depthwiseConv2d(x, w) + bias)`: `[n,h,w,c] * [kh,kw,c,m] -> [n,oh,ow,c·m]`,
/// bias and activation fused as in `conv2d`.
pub fn depthwise_conv2d(store: &mut Store, x: TensorId, w: TensorId, bias: Option<TensorId>, a: DepthwiseArgs, act: Activation) -> Result<TensorId> {
    if !act.derivative_from_output() {
        return super::nn::then_activate(store, act, |s| depthwise_conv2d(s, x, w, bias, a, Activation::Linear));
    }
    const OP: &str = "depthwiseConv2d";
    let (tx, tw) = (store.get_f32(OP, x)?, store.get_f32(OP, w)?);
    let p = geometry(OP, &tx.shape, &tw.shape, a)?;
    let tb = bias_of(store, OP, bias, p.c_out(), &tw.shape)?;
    let mut y = crate::memory::zeros(OP, p.y_len())?;
    k::depthwise_conv2d_forward(&p, &tx.data, &tw.data, &mut y, tb);
    sinew_kernels::activation::forward_in_place(act, &mut y);
    let out = Tensor::f32(vec![p.n, p.out_h(), p.out_w(), p.c_out()], y);
    let inputs: &[TensorId] = match bias {
        Some(b) => &[x, w, b],
        None => &[x, w],
    };
    Ok(emit(store, Op::DepthwiseConv2d { args: a, act }, inputs, out))
}

/// Gradient of `depthwiseConv2d` with respect to its input, of shape `x_shape`.
pub fn depthwise_conv2d_backprop_input(store: &mut Store, dy: TensorId, w: TensorId, x_shape: &[usize], a: DepthwiseArgs) -> Result<TensorId> {
    const OP: &str = "depthwiseConv2dBackpropInput";
    let (tdy, tw) = (store.get_f32(OP, dy)?, store.get_f32(OP, w)?);
    let p = geometry(OP, x_shape, &tw.shape, a)?;
    size_of(OP, x_shape)?;
    expect_dy(OP, &tdy.shape, &[p.n, p.out_h(), p.out_w(), p.c_out()])?;
    let mut dx = crate::memory::zeros(OP, p.x_len())?;
    k::depthwise_conv2d_backward_input(&p, &tdy.data, &tw.data, &mut dx);
    Ok(store.insert(Tensor::f32(x_shape.to_vec(), dx)))
}

/// Gradient of `depthwiseConv2d` with respect to its filter, of shape `w_shape`.
pub fn depthwise_conv2d_backprop_filter(store: &mut Store, x: TensorId, dy: TensorId, w_shape: &[usize], a: DepthwiseArgs) -> Result<TensorId> {
    const OP: &str = "depthwiseConv2dBackpropFilter";
    let (tx, tdy) = (store.get_f32(OP, x)?, store.get_f32(OP, dy)?);
    let p = geometry(OP, &tx.shape, w_shape, a)?;
    size_of(OP, w_shape)?;
    expect_dy(OP, &tdy.shape, &[p.n, p.out_h(), p.out_w(), p.c_out()])?;
    let mut dw = crate::memory::zeros(OP, p.w_len())?;
    k::depthwise_conv2d_backward_filter(&p, &tx.data, &tdy.data, &mut dw);
    Ok(store.insert(Tensor::f32(w_shape.to_vec(), dw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(store: &mut Store, shape: &[usize]) -> TensorId {
        let n = shape.iter().product();
        store.insert(Tensor::new("test", shape.to_vec(), (0..n).map(|i| (i % 7) as f32 - 3.0).collect()).unwrap())
    }
    const SAME1: DepthwiseArgs = DepthwiseArgs { stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad: Padding::Same };

    #[test]
    fn shapes_and_errors() {
        let mut s = Store::new();
        let x = t(&mut s, &[2, 5, 5, 3]);
        let w = t(&mut s, &[3, 3, 3, 2]);
        let y = depthwise_conv2d(&mut s, x, w, None, DepthwiseArgs { stride_h: 2, stride_w: 2, ..SAME1 }, Activation::Linear).unwrap();
        assert_eq!(s.get("t", y).unwrap().shape, vec![2, 3, 3, 6]);
        let y = depthwise_conv2d(&mut s, x, w, None, DepthwiseArgs { dil_h: 2, dil_w: 2, pad: Padding::Valid, ..SAME1 }, Activation::Relu).unwrap();
        assert_eq!(s.get("t", y).unwrap().shape, vec![2, 1, 1, 6]);
        let w2 = t(&mut s, &[3, 3, 2, 1]);
        assert_eq!(
            depthwise_conv2d(&mut s, x, w2, None, SAME1, Activation::Linear).unwrap_err().to_string(),
            "depthwiseConv2d: input [2,5,5,3] and filter [3,3,2,1]: input channels 3 and 2 differ"
        );
        assert_eq!(
            depthwise_conv2d(&mut s, x, w, None, DepthwiseArgs { stride_h: 2, dil_w: 2, ..SAME1 }, Activation::Linear).unwrap_err().to_string(),
            "depthwiseConv2d: either strides or dilations must be 1, got strides [2,1] and dilations [1,2]"
        );
        assert_eq!(
            depthwise_conv2d(&mut s, x, w, None, DepthwiseArgs { dil_w: 0, ..SAME1 }, Activation::Linear).unwrap_err().to_string(),
            "depthwiseConv2d: dilations must be >= 1, got [1,0]"
        );
        assert_eq!(
            depthwise_conv2d(&mut s, x, w, None, DepthwiseArgs { dil_h: 3, pad: Padding::Valid, ..SAME1 }, Activation::Linear).unwrap_err().to_string(),
            "depthwiseConv2d: filter 3x3 (dilations 3x1) does not fit input 5x5 with 'valid' padding"
        );
        let b = t(&mut s, &[3]);
        assert_eq!(
            depthwise_conv2d(&mut s, x, w, Some(b), SAME1, Activation::Linear).unwrap_err().to_string(),
            "depthwiseConv2d: bias [3] must have shape [6] (filter [3,3,3,2])"
        );
        let bad_dy = t(&mut s, &[2, 5, 5, 3]);
        assert_eq!(
            depthwise_conv2d_backprop_filter(&mut s, x, bad_dy, &[3, 3, 3, 2], SAME1).unwrap_err().to_string(),
            "depthwiseConv2dBackpropFilter: dy [2,5,5,3] must have the output shape [2,5,5,6]"
        );
    }
}
