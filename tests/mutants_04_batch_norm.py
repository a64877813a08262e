"""Wrong implementations of chapter 4's exercises, the kind students write.

Each mutant maps solution-cell grade_ids to replacement source. ``HIDDEN_ONLY`` lists mutants
that pass every visible test: only the hidden tests can catch them, which is what they are for.
"""

TRAIN = '''
def batchnorm_train(x, gamma, beta, eps=1e-3):
    x = validate.array(x, "x")
    validate.require(x.ndim >= 2, "x must have a batch axis and a channel axis")
    c = x.shape[-1]
    gamma = validate.array(gamma, "gamma", ndim=1)
    beta = validate.array(beta, "beta", ndim=1)
    validate.require(gamma.shape == (c,), "gamma must have one value per channel")
    validate.require(beta.shape == (c,), "beta must have one value per channel")
    validate.require(eps > 0, "eps must be positive")
    EPS_LINE
    axes = AXES
    mean = x.mean(axis=axes)
    var = VAR
    x_hat = X_HAT
    return RESULT
'''


def train(AXES="tuple(range(x.ndim - 1))", VAR="x.var(axis=axes)",
          X_HAT="(x - mean) / np.sqrt(var + eps)", RESULT="gamma * x_hat + beta, mean, var",
          EPS_LINE="pass"):
    return (TRAIN.replace("EPS_LINE", EPS_LINE).replace("AXES", AXES).replace("VAR", VAR)
            .replace("X_HAT", X_HAT).replace("RESULT", RESULT))


UPDATE = '''
def update_moving_stats(moving_mean, moving_var, batch_mean, batch_var, momentum=0.99):
    moving_mean, moving_var = np.asarray(moving_mean, float), np.asarray(moving_var, float)
    batch_mean, batch_var = np.asarray(batch_mean, float), np.asarray(batch_var, float)
    validate.require(moving_mean.shape == moving_var.shape == batch_mean.shape == batch_var.shape,
                     "batch_mean, batch_var, moving_mean and moving_var must have the same shape")
    validate.require(np.all(moving_var >= 0) and np.all(batch_var >= 0),
                     "moving_var and batch_var must not be negative (variance)")
    validate.require(0 <= momentum <= 1, "momentum must be in [0, 1]")
    MOMENTUM_LINE
    return NEW_MEAN, NEW_VAR
'''


def update(NEW_MEAN="momentum * moving_mean + (1 - momentum) * batch_mean",
           NEW_VAR="momentum * moving_var + (1 - momentum) * batch_var", MOMENTUM_LINE="pass"):
    return (UPDATE.replace("MOMENTUM_LINE", MOMENTUM_LINE).replace("NEW_MEAN", NEW_MEAN)
            .replace("NEW_VAR", NEW_VAR))


INFER = '''
def batchnorm_infer(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = validate.array(x, "x")
    validate.require(x.ndim >= 2, "x must have a batch axis and a channel axis")
    c = x.shape[-1]
    for name, v in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                    ("moving_var", moving_var)):
        validate.require(np.shape(v) == (c,), f"{name} must have shape ({c},)")
    validate.require(np.all(np.asarray(moving_var) >= 0), "moving_var must not be negative")
    validate.require(eps > 0, "eps must be positive")
    EPS_LINE
    mean, var = MEAN_VAR
    return gamma * X_HAT + beta
'''


def infer(MEAN_VAR="moving_mean, moving_var", X_HAT="(x - mean) / np.sqrt(var + eps)",
          EPS_LINE="pass"):
    return (INFER.replace("EPS_LINE", EPS_LINE).replace("MEAN_VAR", MEAN_VAR)
            .replace("X_HAT", X_HAT))


BACKWARD = '''
def batchnorm_backward(dy, x, gamma, eps=1e-3):
    x, dy, gamma = (np.asarray(v, float) for v in (x, dy, gamma))
    validate.require(x.ndim >= 2, "x must have a batch axis and a channel axis")
    validate.require(dy.shape == x.shape, "dy must have the shape of x")
    validate.require(gamma.shape == (x.shape[-1],), "gamma must have one value per channel")
    axes = AXES
    m = x.size // x.shape[-1]
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    dbeta = dy.sum(axis=axes)
    dgamma = DGAMMA
    dx = DX
    return RESULT
'''


def backward(AXES="tuple(range(x.ndim - 1))", DGAMMA="(dy * x_hat).sum(axis=axes)",
             DX="gamma * inv_std / m * (m * dy - dbeta - x_hat * dgamma)",
             RESULT="dx, dgamma, dbeta"):
    return (BACKWARD.replace("AXES", AXES).replace("DGAMMA", DGAMMA).replace("DX", DX)
            .replace("RESULT", RESULT))


MUTANTS = {
    # batchnorm_train
    "train: unbiased variance (ddof=1)":
        {"batchnorm_train": train(VAR="x.var(axis=axes, ddof=1)")},
    "train: eps added to the standard deviation":
        {"batchnorm_train": train(X_HAT="(x - mean) / (np.sqrt(var) + eps)")},
    "train: eps missing":
        {"batchnorm_train": train(X_HAT="(x - mean) / np.sqrt(var)")},
    "train: divided by the variance":
        {"batchnorm_train": train(X_HAT="(x - mean) / (var + eps)")},
    "train: gamma and beta swapped":
        {"batchnorm_train": train(RESULT="beta * x_hat + gamma, mean, var")},
    "train: no scale and shift":
        {"batchnorm_train": train(RESULT="x_hat, mean, var")},
    "train: statistics over the batch axis only":
        {"batchnorm_train": train(AXES="0")},
    "train: statistics per sample (layer norm)":
        {"batchnorm_train": train(AXES="-1").replace("x.mean(axis=axes)", "x.mean(axis=axes, keepdims=True)")
         .replace("x.var(axis=axes)", "x.var(axis=axes, keepdims=True)")},
    "train: returns the standard deviation as batch_var":
        {"batchnorm_train": train(RESULT="gamma * x_hat + beta, mean, np.sqrt(var)")},
    "train: eps argument ignored (hidden)":
        {"batchnorm_train": train(EPS_LINE="eps = 1e-3")},
    # update_moving_stats
    "update: PyTorch convention":
        {"update_moving_stats": update(NEW_MEAN="momentum * batch_mean + (1 - momentum) * moving_mean",
                                       NEW_VAR="momentum * batch_var + (1 - momentum) * moving_var")},
    "update: variance not updated":
        {"update_moving_stats": update(NEW_VAR="moving_var")},
    "update: moving average replaced by the batch":
        {"update_moving_stats": update(NEW_MEAN="batch_mean", NEW_VAR="batch_var")},
    "update: momentum argument ignored (hidden)":
        {"update_moving_stats": update(MOMENTUM_LINE="momentum = 0.99")},
    # batchnorm_infer
    "infer: batch statistics (training mode)":
        {"batchnorm_infer": infer(MEAN_VAR="x.mean(axis=tuple(range(x.ndim - 1))), "
                                           "x.var(axis=tuple(range(x.ndim - 1)))")},
    "infer: eps missing":
        {"batchnorm_infer": infer(X_HAT="(x - mean) / np.sqrt(var)")},
    "infer: divided by the variance":
        {"batchnorm_infer": infer(X_HAT="(x - mean) / (var + eps)")},
    "infer: eps argument ignored (hidden)":
        {"batchnorm_infer": infer(EPS_LINE="eps = 1e-3")},
    # batchnorm_backward
    "backward: mean and variance treated as constants":
        {"batchnorm_backward": backward(DX="dy * gamma * inv_std")},
    "backward: dgamma and dbeta swapped":
        {"batchnorm_backward": backward(RESULT="dx, dbeta, dgamma")},
    "backward: dgamma from x instead of x_hat":
        {"batchnorm_backward": backward(DGAMMA="(dy * x).sum(axis=axes)")},
    "backward: sums over the batch axis only (hidden)":
        {"batchnorm_backward": backward(AXES="0").replace("m = x.size // x.shape[-1]", "m = x.shape[0]")},
}

HIDDEN_ONLY = {
    "train: eps argument ignored (hidden)",
    "update: momentum argument ignored (hidden)",
    "infer: eps argument ignored (hidden)",
    "backward: sums over the batch axis only (hidden)",
}
