"""Chapter 4: batch normalization.

    compute    ``batchnorm_train`` (the reference answer), the digits' pre-activations and their
               batches, and the with/without experiment (``train_digits``);
    mistakes   the mistake catalogue: ``batchnorm_train``, ``update_moving_stats``,
               ``batchnorm_infer``, ``batchnorm_backward``;
    figures    ``batchnorm_figure`` (the widget's view) and ``loss_curves`` (the experiment);
    widgets    ``BatchNormExplorer``: the student's batchnorm_train as histograms.
"""
