"""The case-study networks as PyTorch modules, shared by tests and benchmarks."""
import torch
import torch.nn as nn
import torchvision


class LeNet5(nn.Module):
    """LeCun et al. 1998: 32x32x1, tanh, average pooling, 6-16-120-84-10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNet5Modern(nn.Module):
    """The modern LeNet variant: ReLU and max pooling, 28x28 (Fashion-MNIST)
    input padded by the first convolution."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class _LRNFunction(torch.autograd.Function):
    """PyTorch computes LRN itself; export emits the single ONNX LRN operator
    (torch 1.13 would otherwise export a decomposition into a dozen ops)."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class LRN(nn.Module):
    def __init__(self, size=5, alpha=1e-4, beta=0.75, k=2.0):
        super().__init__()
        self.args = (size, alpha, beta, k)

    def forward(self, x):
        return _LRNFunction.apply(x, *self.args)


class AlexNet(nn.Module):
    """Krizhevsky et al. 2012, with local response normalisation and the
    two-way grouped convolutions of the original two-GPU split; 227x227x3."""

    def __init__(self, classes=1000, stock_lrn=False):
        super().__init__()
        # stock_lrn: PyTorch's own nn.LocalResponseNorm, which torch.onnx
        # writes as a decomposition behind an If (not as ONNX LRN).
        lrn = ((lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)) if stock_lrn
               else (lambda: LRN(5, alpha=1e-4, beta=0.75, k=2.0)))
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def vgg16():
    return torchvision.models.vgg16()


class DoubleConv(nn.Module):
    """U-Net's two 3x3 convolutions, each with batch norm and ReLU."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class UNet(nn.Module):
    """U-Net (Ronneberger et al. 2015) with padded convolutions and batch
    norm, as models/unet.cvm writes it (layer names alike): four 2x2
    max-pooling steps down, four stride-2 transposed convolutions up, each
    concatenated with the skip connection of its scale."""

    def __init__(self, channels=3, classes=2):
        super().__init__()
        widths = [64, 128, 256, 512, 1024]
        self.inc = DoubleConv(channels, 64)
        for i in range(1, 5):
            setattr(self, f"down{i}", nn.Sequential(nn.MaxPool2d(2),
                                                    DoubleConv(widths[i - 1], widths[i])))
        for i in range(1, 5):
            w = widths[4 - i]
            setattr(self, f"up{i}", nn.ConvTranspose2d(2 * w, w, 2, stride=2))
            setattr(self, f"dec{i}", DoubleConv(2 * w, w))
        self.outc = nn.Conv2d(64, classes, 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for i in range(1, 5):
            skips.append(getattr(self, f"down{i}")(skips[-1]))
        y = skips.pop()
        for i in range(1, 5):
            y = getattr(self, f"dec{i}")(torch.cat([skips.pop(), getattr(self, f"up{i}")(y)], 1))
        return self.outc(y)


def calibrate_batchnorm(model, input_shape, batches=4, batch_size=8, seed=0):
    """Gives every batch-norm layer real statistics — a cumulative average over a
    few training-mode passes on random data — so that a randomly initialised
    deep network's activations stay of order 1 (default statistics make a
    ResNet's logits explode and any comparison meaningless)."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return model
    generator = torch.Generator().manual_seed(seed)
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, *input_shape, generator=generator))
    return model.eval()


TORCHVISION = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "resnet50": lambda: torchvision.models.resnet50(),
    "resnet152": lambda: torchvision.models.resnet152(),
    "googlenet": lambda: torchvision.models.googlenet(aux_logits=False, init_weights=True),
    "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(),
    "alexnet": lambda: torchvision.models.alexnet(),
    # The families after the case studies (bench/ only): inverted residuals,
    # depthwise MBConv with squeeze-and-excitation and Swish, dense blocks.
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(),
    "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(),
    "densenet121": lambda: torchvision.models.densenet121(),
}


# Constructor arguments for torchvision classifiers outside the table that
# need them: no auxiliary heads in eval exports, and weights initialised
# without SciPy's truncated normal.
TORCHVISION_ARGS = {"inception_v3": {"aux_logits": False, "init_weights": True}}


def torchvision_model(name, seed=0):
    """A torchvision classifier of the table, or any other one by its
    torchvision.models name, seeded and with calibrated batch norms."""
    torch.manual_seed(seed)
    if name in TORCHVISION:
        model = TORCHVISION[name]()
    else:
        model = getattr(torchvision.models, name)(**TORCHVISION_ARGS.get(name, {}))
    return calibrate_batchnorm(model, (3, 224, 224))
