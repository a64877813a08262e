"""Chapter 1: an image as an array, a filter sliding over it, channels, filters and bias.

    compute    the window at each step, the window sums (``conv2d_single``, the reference answer),
               and a student's conv2d_single checked for the widget;
    mistakes   the mistake catalogue: ``conv2d_single``, ``conv2d_multi``;
    figures    ``sliding_figure`` (the widget's view) and ``show_maps`` (activation maps);
    widgets    ``FilterSlider``: the student's own conv2d_single, one window at a time.
"""
