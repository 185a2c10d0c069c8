"""The data set as one tensor on the device, batches sliced from a shuffled index: what the
chapter-8 scripts use where the book builds torchvision's MNIST and a DataLoader (defined for 8.1,
used by 8.1.1-8.5). A speed-up that keeps the book's lines: it is iterated exactly like DataLoader.
"""
import math

import numpy as np
import torch

from .data import load


def load_mnist(args, device, train=True, normalize=False):
    """(images [N, 1, 28, 28], labels [N]) on `device`: pixels in [0, 1] like ToTensor(), or in
    [-1, 1] like Normalize(mean=(0.5,), std=(0.5,)) when `normalize`."""
    images, labels = load(args.dataset, "train" if train else "test", args.data_dir)
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).unsqueeze(1).float().div_(255)
    if normalize:
        x = x.mul_(2).sub_(1)
    return x, torch.from_numpy(labels.astype(np.int64)).to(device)


def load_data(args, device, normalize=False):
    """The chapter-8 scripts' training batches: the book's
    `DataLoader(dataset=datasets.MNIST(train=True, transform=...), batch_size=batch_size, shuffle=True)`,
    pixels in [0, 1] (transforms.ToTensor()) or, when `normalize`, in [-1, 1]
    (Normalize(mean=(0.5,), std=(0.5,)) after it)."""
    return DeviceDataLoader(dataset=load_mnist(args, device, train=True, normalize=normalize),
                            batch_size=args.batch_size, shuffle=True)


class DeviceDataLoader:
    """DataLoader(dataset=(images, labels), batch_size, shuffle=True) for tensors already on the device.

    Each epoch is one shuffled index split into batches (the last one short), so a step costs one
    slice instead of batch_size PIL conversions. The order comes from torch's global generator.
    """

    def __init__(self, dataset, batch_size, shuffle=True):
        self.images, self.labels = dataset
        self.batch_size, self.shuffle = batch_size, shuffle

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

    def __iter__(self):
        n = len(self.images)
        order = torch.randperm(n, device=self.images.device) if self.shuffle else torch.arange(n)
        for idx in order.split(self.batch_size):
            yield self.images[idx], self.labels[idx]
