"""The glossary's words for pictures and convolutional networks.

Entries as ``nncore.core.glossary`` reads them: ``(slug, title, group, text,
other names)``, the group one of its ``GROUPS``. Kept apart so the glossary's
table of words stays readable; ``glossary.TERMS`` holds these too.
"""

from __future__ import annotations

__all__ = ["IMAGE_ENTRIES"]

IMAGE_ENTRIES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    (
        "pixel",
        "Pixel",
        "The data",
        "One dot of a picture, stored as a number from 0 (dark) to 255 (bright), or "
        "three numbers (red, green, blue) in colour. A 28x28 grey picture is 784 "
        "pixels, and each one is an input of the network.",
        ("pixels", "image size", "grayscale", "rgb", "colour mode"),
    ),
    (
        "augmentation",
        "Data augmentation",
        "The data",
        "Showing the network slightly changed copies of the training pictures "
        "(flipped, turned, zoomed, with another contrast) at every epoch, so it "
        "learns what matters and not where or how bright. It is never applied "
        "to the validation or test pictures, nor when predicting.",
        ("augment", "flip", "rotation", "zoom", "contrast"),
    ),
    (
        "convolution",
        "Convolution (Conv2D)",
        "The network",
        "A layer that slides small filters over the picture and, at every position, "
        "adds up the pixels under the filter, each times the filter's weight. The "
        "same few weights are used everywhere, so it finds a pattern wherever it "
        "is in the picture.",
        ("conv2d", "conv", "convolutional layer", "cnn", "convolutional network"),
    ),
    (
        "filter",
        "Filter (kernel)",
        "The network",
        "The small grid of weights (3x3, say) that a convolution slides over the "
        "picture; each filter learns to respond to one pattern, such as an edge or "
        "a corner. A layer with 16 filters makes 16 feature maps.",
        ("filters", "kernel size"),
    ),
    (
        "feature-map",
        "Feature map",
        "The network",
        "The picture a filter makes: bright where the filter's pattern is in the "
        "input, dark where it is not. Later layers look at the feature maps of "
        "earlier ones, so they find bigger patterns made of smaller ones.",
        ("feature maps", "activation map", "channel", "channels"),
    ),
    (
        "stride",
        "Stride",
        "The network",
        "How many pixels a filter or a pooling window moves at each step. A stride "
        "of 2 skips every other position and halves the picture's width and height.",
        ("strides", "step"),
    ),
    (
        "padding",
        "Padding",
        "The network",
        "What a convolution does at the picture's edges. 'Same' adds a border of "
        "zeros so the output keeps the picture's size; 'valid' uses only positions "
        "where the whole filter fits, so the picture shrinks a little.",
        ("same padding", "valid padding"),
    ),
    (
        "pooling",
        "Pooling (max / average)",
        "The network",
        "A layer that shrinks feature maps by keeping one number per small window "
        "(2x2, say): the largest (max pooling) or the mean (average pooling). It "
        "has no weights; it makes the network faster and less bothered by a "
        "pattern's exact position.",
        ("max pooling", "maxpool2d", "average pooling", "avgpool2d", "pool size"),
    ),
    (
        "flatten",
        "Flatten",
        "The network",
        "A layer that lays the feature maps out as one long row of numbers, so "
        "that Dense layers can read them. It has no weights.",
        ("flattening",),
    ),
    (
        "global-average-pooling",
        "Global average pooling",
        "The network",
        "A layer that replaces each feature map by its mean: one number per "
        "filter. Like Flatten it leads to the Dense layers, with far fewer weights "
        "after it.",
        ("global_avg_pool", "globalaveragepooling2d", "gap"),
    ),
)
