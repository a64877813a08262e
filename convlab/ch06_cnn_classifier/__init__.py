"""Chapter 6: a CNN classifier end to end; VGG, Inception and ResNet blocks.

    compute    the data (MNIST, or the digits offline; CIFAR-10 if fetched), calling the
               student's Keras builders, looking inside a model, the zero-initialisation experiment;
    mistakes   the mistake catalogue (parameter counts): ``build_mnist_cnn``, ``vgg_block``,
               ``inception_module``, ``residual_block``;
    figures    ``cnn_prediction_figure`` (the widget's view), ``filters_figure``,
               ``history_figure``, ``confusion_figure``;
    widgets    ``CNNExplorer``: a trained model's predictions and feature maps.
"""
