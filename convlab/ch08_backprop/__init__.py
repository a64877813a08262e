"""Chapter 8: backpropagation, gradient checks, and a tiny CNN built from the student's own layers.

    compute    the chapter's NumPy computations:
               - given to students: the forward passes (``conv2d`` with bias, ``pool2d``,
                 ``dense``, ``relu``), ``relative_error``, ``init_params`` and the digits;
               - reference backward passes (``numeric_gradient``, ``conv2d_backward``,
                 ``pool2d_backward``, ``dense_backward``, ``softmax_cross_entropy``,
                 ``adam_step``, ``train_tiny_cnn``): for widgets, facts and tests only
                 (``convlab.REFERENCE_ONLY`` turns them into tripwires while the chapter is graded);
               - the tiny CNN in NumPy and its Keras twin (``keras_train``), and the scalar
                 functions the gradient-check tests differentiate (``Cubic``, ``Smooth``,
                 ``ConvObjective``), which are picklable so the trusted re-check can send them;
    mistakes   the mistake catalogue: one function per exercise, named after it, returning
               ``(explanation, compute)`` pairs for :func:`convlab.testing.assert_allclose`;
    figures    the chapter's figures (gradient routing through pooling, the flipped kernel, the
               training view of the widget);
    widgets    ``TrainingExplorer``: the student's own training, step by step, over Keras' curve.
"""
