"""Chapter 2: stride, padding, dilation and the output-size formula.

    compute    one axis' geometry (every window, what the floor drops), the output size,
               TensorFlow's SAME padding (``same_padding``) and ``receptive_field`` (reference
               answers), ``naive_conv2d`` and ``best_time`` for the speed comparison;
    mistakes   the mistake catalogue: ``conv_output_size``, ``same_padding``, ``conv2d``,
               ``receptive_field``;
    figures    ``padding_figure`` (the padded grid, every window along one axis, the output, as
               a matplotlib figure);
    widgets    ``PaddingExplorer``: drawn in the browser, window by window, asking for the output
               size and where the next window starts; the student's conv_output_size and
               same_padding at work.
"""
