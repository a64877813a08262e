"""Data for the course.

Chapters 1-5 need no download: they use the images scikit-learn ships (1,797 handwritten 8x8
digits, two photos) through :mod:`convlab.data`, which works offline. The downloadable data sets
of later chapters (MNIST, CIFAR-10, the credit-card fraud data) are registered here with their
mirrors and SHA-256 checksums when those chapters land; until then ``python -m data_scripts list``
shows what is available offline.
"""

OFFLINE = {
    "digits": "scikit-learn's load_digits(): 1,797 handwritten digits, 8x8, 10 classes (ships with scikit-learn)",
    "sample_images": "scikit-learn's load_sample_images(): two photos, 427x640x3 (ships with scikit-learn)",
}
