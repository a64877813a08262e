"""Chapter 3: max and average pooling, flatten, global average pooling, a whole CNN's shapes.

    compute    ``pool2d`` (the reference answer), one pooling window, the feature map to pool,
               ``keras_shapes`` (the oracle of cnn_shapes' tests);
    mistakes   the mistake catalogue: ``pool2d``, ``flatten``, ``global_avg_pool``,
               ``cnn_shapes``, ``max_pool_backward``;
    figures    ``pooling_figure`` (the widget's view);
    widgets    ``PoolingExplorer``: the student's pool2d on a real feature map.
"""
