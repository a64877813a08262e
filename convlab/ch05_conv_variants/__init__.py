"""Chapter 5: grouped, depthwise, pointwise, separable, dilated and transposed convolution.

    compute    the given ``conv2d`` and ``pad_like_tf``, transposed convolution's footprints,
               dilation's geometry, ``dilate_kernel`` and ``param_count`` (reference answers),
               every kind's parameters and multiply-adds;
    mistakes   the mistake catalogue: ``grouped_conv2d``, ``depthwise_conv2d``,
               ``pointwise_conv2d``, ``separable_conv2d``, ``dilated_conv2d``, ``conv2d_transpose``;
    figures    ``transposed_figure``, ``dilation_figure``, ``param_figure`` (the widgets' views);
    widgets    ``TransposedConvExplorer``, ``DilationExplorer``, ``ParamCalculator``.
"""
