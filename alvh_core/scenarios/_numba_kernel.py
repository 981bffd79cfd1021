"""The compiled 4x4 COS-table interpolation (numba); imported only when numba is installed.

Defined at module level so numba's on-disk cache (``cache=True``, in ``__pycache__``) is reused by every
later process instead of compiling again. Same arithmetic, same order as
``alvh_core.scenarios.kernels.interp_put_numpy`` (the reference).
"""
import math

import numba


@numba.njit(cache=True, nogil=True)
def interp_put_kernel(x, inv_scale, base, wh0, wh1, wh2, wh3, price_flat, delta_flat, y0, dy, n_y, y_max,
           p_out, dp_out, y_out):  # pragma: no cover - compiled
    for i in range(x.size):
        y = x[i] * inv_scale[i]
        y_out[i] = y
        yc = min(max(y, -y_max), y_max)
        pos = (yc - y0) / dy
        j = int(math.floor(pos))
        j = min(max(j, 1), n_y - 3)
        t = pos - j
        tm1, tm2, tp1 = t - 1.0, t - 2.0, t + 1.0
        aa = t * tm1
        bb = tp1 * tm2
        w0 = aa * tm2 * (-1.0 / 6.0)
        w1 = bb * tm1 * 0.5
        w2 = bb * t * -0.5
        w3 = aa * tp1 * (1.0 / 6.0)
        b0 = base[i] + j - 1
        p = 0.0
        dp = 0.0
        for b in range(4):
            k = b0 + b * n_y
            ip = 0.0
            ip = ip + w0 * price_flat[k]
            ip = ip + w1 * price_flat[k + 1]
            ip = ip + w2 * price_flat[k + 2]
            ip = ip + w3 * price_flat[k + 3]
            idp = 0.0
            idp = idp + w0 * delta_flat[k]
            idp = idp + w1 * delta_flat[k + 1]
            idp = idp + w2 * delta_flat[k + 2]
            idp = idp + w3 * delta_flat[k + 3]
            wb = wh0[i] if b == 0 else (wh1[i] if b == 1 else (wh2[i] if b == 2 else wh3[i]))
            p = p + wb * ip
            dp = dp + wb * idp
        p_out[i] = p
        dp_out[i] = dp

