"""Chapter 7: autoencoders for credit-card fraud detection.

    compute    the data (or its labelled synthetic stand-in) and its split,
               ``reconstruction_error``, ``contractive_penalty``, ``choose_threshold`` (reference
               answers), operating points, the autoencoders' training and comparison;
    mistakes   the mistake catalogue: ``reconstruction_error``, ``contractive_penalty``,
               ``choose_threshold``;
    figures    ``threshold_figure`` (the widget's view);
    widgets    ``ThresholdExplorer``: where to put the threshold on the student's errors.
"""
