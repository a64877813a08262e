"""Chapter 1: an image as an array, a filter sliding over it, channels, filters and bias.

    compute    the window at each step, the window sums (``conv2d_single``, the reference answer),
               and a student's conv2d_single checked for the widget;
    mistakes   the mistake catalogue: ``conv2d_single``, ``conv2d_multi``;
    figures    ``sliding_figure`` (the sliding window as a matplotlib figure) and ``show_maps``
               (activation maps);
    widgets    drawn in the browser, asking for predictions: ``FilterSlider`` (the student's own
               conv2d_single, one window at a time) and ``ChannelSum`` (the C input windows, their
               channel sums and the bias adding up to one output value of conv2d_multi).
"""
