"""Chapter 5: grouped, depthwise, pointwise, separable, dilated and transposed convolution.

    compute    the given ``conv2d`` and ``pad_like_tf``, transposed convolution's footprints
               (step by step), dilation's geometry and stacked layers' gridding,
               ``dilate_kernel`` and ``param_count`` (reference answers), every kind's
               parameters and multiply-adds;
    mistakes   the mistake catalogue: ``grouped_conv2d``, ``depthwise_conv2d``,
               ``pointwise_conv2d``, ``separable_conv2d``, ``dilated_conv2d``, ``conv2d_transpose``;
    figures    ``transposed_figure``, ``dilation_figure``, ``param_figure`` (matplotlib views,
               kept for released notebooks through ``convlab.plotting``);
    widgets    ``TransposedConvExplorer``, ``DilationExplorer``, ``ParamCalculator``, drawn in
               the browser, each asking for a prediction before it shows a value.
"""
