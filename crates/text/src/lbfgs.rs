//! Limited-memory BFGS (L-BFGS) minimisation of a smooth function (최적화).
//!
//! Why our own: the routing model is a full-batch multinomial logistic regression with an L2
//! penalty — the objective scikit-learn solves with L-BFGS — and stochastic AdaGrad did not
//! reach weakly regularised optima such as C = 10 (docs/benchmarks-text.md). The method is
//! Nocedal & Wright, Algorithm 7.4 (two-loop recursion) with a backtracking line search on the
//! Armijo condition; pairs that violate the curvature condition are skipped, so the implicit
//! Hessian approximation stays positive definite. Single-threaded and deterministic: the same
//! function and start give the same iterates bit for bit.

use std::collections::VecDeque;

/// Settings of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsOptions {
    /// Number of correction pairs kept (memory: `2 * history` vectors of the problem size).
    pub history: usize,
    /// Maximum number of iterations (each costs one or a few function evaluations).
    pub max_iter: u32,
    /// Stop when the largest absolute gradient component is at most this.
    pub gtol: f64,
    /// Stop when the objective decreases by less than `ftol * max(1, |f|)` in three
    /// consecutive iterations (one short step after a hard line search is not convergence).
    pub ftol: f64,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        Self {
            history: 7,
            max_iter: 200,
            gtol: 1e-5,
            ftol: 1e-10,
        }
    }
}

/// Why [`minimize`] stopped and where.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsResult {
    /// Final objective value.
    pub f: f64,
    /// Iterations done.
    pub iterations: u32,
    /// Function evaluations done.
    pub evaluations: u32,
    /// True when a tolerance was met (false: iteration limit or failed line search).
    pub converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Minimises `f` from the start point `x` (overwritten with the result). `f(x, grad)` returns
/// the objective at `x` and writes its gradient into `grad`. Non-finite objective values make
/// the line search step back, so the function may return `f64::INFINITY` where it is undefined.
pub fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x: &mut [f64],
    opts: &LbfgsOptions,
) -> LbfgsResult {
    let n = x.len();
    let m = opts.history.max(1);
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    let mut evaluations = 1;
    let result = |f: f64, iterations, evaluations, converged| LbfgsResult {
        f,
        iterations,
        evaluations,
        converged,
    };
    if !fx.is_finite() {
        return result(fx, 0, evaluations, false);
    }
    // The last `m` correction pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k, oldest first, with
    // rho = 1 / (s . y).
    let mut hist: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(m);
    let mut alpha = vec![0.0; m];
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut s_tmp = vec![0.0; n];
    let mut y_tmp = vec![0.0; n];
    let mut small_steps = 0;
    for iter in 0..opts.max_iter {
        if max_abs(&g) <= opts.gtol {
            return result(fx, iter, evaluations, true);
        }
        // Two-loop recursion: d = -H g.
        d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
        for (i, (s, y, rho)) in hist.iter().enumerate().rev() {
            alpha[i] = rho * dot(s, &d);
            d.iter_mut().zip(y).for_each(|(d, y)| *d -= alpha[i] * y);
        }
        if let Some((s, y, _)) = hist.back() {
            let gamma = dot(s, y) / dot(y, y);
            d.iter_mut().for_each(|d| *d *= gamma);
        }
        for (i, (s, y, rho)) in hist.iter().enumerate() {
            let beta = rho * dot(y, &d);
            d.iter_mut()
                .zip(s)
                .for_each(|(d, s)| *d += (alpha[i] - beta) * s);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            hist.clear();
            d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
            slope = -dot(&g, &g);
        }
        // First step: unit length, as the scale of the Hessian is not known yet.
        let mut step = if hist.is_empty() {
            (1.0 / dot(&d, &d).sqrt()).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..40 {
            x_new
                .iter_mut()
                .zip(x.iter().zip(&d))
                .for_each(|(xn, (x, d))| *xn = x + step * d);
            let f_new = f(&x_new, &mut g_new);
            evaluations += 1;
            if f_new.is_finite() && f_new <= fx + 1e-4 * step * slope {
                accepted = Some(f_new);
                break;
            }
            step *= 0.5;
        }
        let Some(f_new) = accepted else {
            return result(fx, iter, evaluations, false);
        };
        s_tmp
            .iter_mut()
            .zip(x_new.iter().zip(x.iter()))
            .for_each(|(s, (a, b))| *s = a - b);
        y_tmp
            .iter_mut()
            .zip(g_new.iter().zip(&g))
            .for_each(|(y, (a, b))| *y = a - b);
        let sy = dot(&s_tmp, &y_tmp);
        // Keep the pair only when the curvature condition holds.
        if sy > 1e-12 * dot(&y_tmp, &y_tmp) {
            let (mut s, mut y) = match hist.len() == m {
                true => hist.pop_front().map(|(s, y, _)| (s, y)).unwrap_or_default(),
                false => (Vec::new(), Vec::new()),
            };
            s.clone_from(&s_tmp);
            y.clone_from(&y_tmp);
            hist.push_back((s, y, 1.0 / sy));
        }
        let decrease = fx - f_new;
        x.copy_from_slice(&x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if decrease <= opts.ftol * fx.abs().max(1.0) {
            small_steps += 1;
            if small_steps >= 3 {
                return result(fx, iter + 1, evaluations, true);
            }
        } else {
            small_steps = 0;
        }
    }
    let converged = max_abs(&g) <= opts.gtol;
    result(fx, opts.max_iter, evaluations, converged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_reaches_the_exact_minimum() {
        // f = 1/2 x'Ax - b'x with A = [[4,1],[1,3]], b = [1,2]: minimum at A^-1 b = [1/11, 7/11].
        let mut x = vec![5.0, -3.0];
        let r = minimize(
            |x, g| {
                g[0] = 4.0 * x[0] + x[1] - 1.0;
                g[1] = x[0] + 3.0 * x[1] - 2.0;
                0.5 * (4.0 * x[0] * x[0] + 2.0 * x[0] * x[1] + 3.0 * x[1] * x[1])
                    - x[0]
                    - 2.0 * x[1]
            },
            &mut x,
            &LbfgsOptions::default(),
        );
        assert!(r.converged);
        assert!((x[0] - 1.0 / 11.0).abs() < 1e-6, "{x:?}");
        assert!((x[1] - 7.0 / 11.0).abs() < 1e-6, "{x:?}");
    }

    #[test]
    fn rosenbrock_converges() {
        let mut x = vec![-1.2, 1.0];
        let r = minimize(
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &mut x,
            &LbfgsOptions {
                max_iter: 500,
                gtol: 1e-8,
                ftol: 0.0,
                ..LbfgsOptions::default()
            },
        );
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?} {r:?}"
        );
    }

    #[test]
    fn deterministic_and_survives_infinite_values() {
        // log barrier: undefined (infinite) for x <= 0; minimum of x - ln x at x = 1.
        let run = || {
            let mut x = vec![3.0];
            minimize(
                |x, g| {
                    if x[0] <= 0.0 {
                        return f64::INFINITY;
                    }
                    g[0] = 1.0 - 1.0 / x[0];
                    x[0] - x[0].ln()
                },
                &mut x,
                &LbfgsOptions::default(),
            );
            x
        };
        let a = run();
        assert!((a[0] - 1.0).abs() < 1e-5, "{a:?}");
        assert_eq!(a, run());
    }
}
