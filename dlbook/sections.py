"""The book, section by section: the one table of which script runs which section, with which
flags, writing which figures under which captions. reproduce.py runs it, its gallery and the
notebooks' titles read it, and a test checks the README's tables against it.

A figure's `book` is the book's figure number where the book prints that figure ("Fig 8-4", with
the book's own caption in `book_caption`), "after Fig 8-1" for a figure of ours that follows one of
the book's, or the section it illustrates ("8.5"), or "-".
"""
from typing import NamedTuple

from .book import METRICS


# The book's figures that ours print or follow, with the book's captions as printed (Chinese; the
# book writes AVE for VAE): each caption once, keyed by the book's figure number.
# Figs 6-23 and 6-30 have no printed caption line in the text: theirs are the sentence that shows them
# ("图6-23是一个典型的神经元模型", "含隐含层,两个输入,两个输出的神经网络,如图6-30"), in brackets.
BOOK_CAPTIONS = {
    "Fig 6-22": "图6-22 线性模型的神经元", "Fig 6-23": "图6-23 [典型的神经元模型]", "Fig 6-24": "图6-24 感知机模型",
    "Fig 6-25": "图6-25 多层神经网络示意图",
    "Fig 6-26": "图6-26 异或问题示意图", "Fig 6-27": "图6-27 解决XOR问题的网络结构",
    "Fig 6-28": "图6-28 整流线性激活函数(ReLU)图形",
    "Fig 6-29": "图6-29 单个神经元,把左图中的神经元展开就得到右图",
    "Fig 6-30": "图6-30 [含隐含层,两个输入,两个输出的神经网络]", "Fig 6-31": "图6-31 多层神经网络",
    "Fig 6-32": "图6-32 前向传播示意图", "Fig 6-33": "图6-33 反向传播示意图", "Fig 6-34": "图6-34 反向传播有输出层到权重w_5",
    "Fig 6-35": "图6-35 反向传播由隐含层再到权重w_1",
    "Fig 8-1": "图8-1 自编码器架构图", "Fig 8-2": "图8-2 AVE架构图", "Fig 8-3": "图8-3 AVE网络结构图",
    "Fig 8-4": "图8-4 AVE构建图片", "Fig 8-5": "图8-5 AVE新图片",
    "Fig 8-6": "图8-6 GAN架构图", "Fig 8-7": "图8-7 GAN的新图片", "Fig 8-8": "图8-8 AVE得到的数据流形分布图", "Fig 8-9": "图8-9(CGAN架构)",
}


class Figure(NamedTuple):
    file: str
    book: str
    caption: str

    @property
    def book_caption(self):
        """The book's caption of the figure this one prints or follows ("" for none)."""
        return BOOK_CAPTIONS.get(self.book.removeprefix("after "), "")


class BookCheck(NamedTuple):
    """What the book check (dlbook.compare) knows of a script's printed run; a test ties each number
    to the script's own hyperparameters."""
    kind: str  # the printout's format (dlbook.book.PATTERNS): vae, gan, cgan or xor
    epochs: int  # the book's run: its epochs (None for XOR's steps)
    steps_per_epoch: int = None  # 60,000 training images in the book's batches
    first_epoch: int = 1  # 0 for the scripts that print epochs from 0, as the book does
    window: int = 1  # printed epochs averaged for a verdict on MNIST: a tenth of the book's run
    judged: int = None  # only the first `judged` printed quantities are judged (None: all)


GAN_NUMBERS = METRICS["gan"]  # the last printed line's values (gan.last_printed): GAN, CGAN, DCGAN


class Section(NamedTuple):
    name: str  # reproduce.py's name for this run (the script's name, or a variant of it)
    script: str
    section: str  # the book's section number(s)
    title_zh: str  # the book's section title(s), as printed
    title_en: str
    full: tuple = ()  # flags for the book's settings
    quick: tuple = ()  # flags for reproduce.py --quick and a notebook's QUICK = True
    figures: tuple = ()
    keys: tuple = ()  # names of the run's manifest numbers reproduce.py's summary shows ("book_check": the verdict)
    uses_data: bool = False  # takes --dataset and --data-dir
    seeded: bool = True  # takes --seed (backprop_manual.py draws no random numbers)
    tensorflow: bool = False  # needs TensorFlow itself (not only Keras)
    keras: bool = False  # Keras, on TensorFlow unless KERAS_BACKEND says otherwise
    epoch_grids: tuple = ()  # Figures whose file has {e}, one per epoch: one slider each in figures/index.html
    needs: tuple = ()  # the runs (by name) whose saved outputs this one reads: reproduce.py runs those first
    saves: tuple = ()  # files it writes besides its figures, relative to --out ({dataset} filled in)
    resumes: bool = False  # takes --resume; its first `saves` file is the checkpoint it goes on from
    book_check: BookCheck = None  # its printout is judged against the book's (the verdict line "Book check:")


BOOK = [
    Section(name="perceptron", script="ch06_feedforward/perceptron.py", section="6.4.1-6.4.3",
            title_zh="6.4.1 神经元结构 · 6.4.2 感知机的局限 · 6.4.3 多层神经网络",
            title_en="6.4.1 The MP neuron · 6.4.2 The perceptron's limit · 6.4.3 Multilayer networks",
            figures=(Figure("fig6-22_linear_neuron.png", "Fig 6-22",
                            "A linear model z = w·x + b as one neuron, with the weights the perceptron learned for AND"),
                     Figure("fig6-23_mp_neuron.png", "Fig 6-23",
                            "The MP neuron: three weighted inputs, their sum z and the step activation, y = f(z)"),
                     Figure("fig6-24_perceptron.png", "Fig 6-24", "The perceptron: an input layer that passes x on "
                            "and an output layer that computes Y = f(WX + b), W as learned for AND, OR, NAND"),
                     Figure("fig6-25_multilayer_network.png", "Fig 6-25",
                            "A multilayer network: input X, hidden H, output O, with W(1) and W(2)"),
                     Figure("fig6-26_xor.png", "Fig 6-26", "XOR: circles are 0, squares are 1; no straight line "
                            "separates them"),
                     Figure("perceptron_gates.png", "after Fig 6-26",
                            "AND, OR, NAND learned by the perceptron rule; XOR not"),
                     Figure("fig6-27_xor_network.png", "Fig 6-27", "The network that solves XOR: every weight "
                            "(left), the vector form (right), and H and y for the four inputs"),
                     Figure("xor_hidden_space.png", "after Fig 6-27",
                            "In the hidden layer's space XOR becomes separable"),
                     Figure("fig6-28_relu.png", "Fig 6-28", "The rectified linear unit g(z) = max{0, z}")),
            keys=("perceptron_xor_wrong", "output")),
    Section(name="xor_tensorflow", script="ch06_feedforward/xor_tensorflow.py", section="6.4.4",
            title_zh="6.4.4 实例:用TensorFlow实现XOR",
            title_en="6.4.4 XOR in TensorFlow",
            figures=(Figure("xor_loss.png", "6.4.4", "Loss of the TensorFlow XOR network, step by step"),),
            keys=("loss", "book_check"), tensorflow=True, book_check=BookCheck("xor", None)),
    Section(name="xor_sweep", script="ch06_feedforward/xor_tensorflow.py", section="6.4.4",
            title_zh="6.4.4 实例:用TensorFlow实现XOR",
            title_en="6.4.4 XOR in TensorFlow: how many seeds get stuck", full=("--sweep", "100"), quick=("--sweep", "100"),
            figures=(Figure("xor_sweep_regions.png", "6.4.4",
                            "Decision regions of a solved seed next to stuck ones"),),
            keys=("stuck", "seeds"), tensorflow=True),
    Section(name="backprop_manual", script="ch06_feedforward/backprop_manual.py", section="6.4.5",
            title_zh="6.4.5 反向传播算法",
            title_en="6.4.5 Back-propagation by hand", full=(), quick=("--iterations", "2000"),
            figures=(Figure("fig6-29_neuron_unfolded.png", "Fig 6-29",
                            "A single neuron; unfolded, it is the computation z -> a = f(z) -> J, forward and back"),
                     Figure("fig6-30_network.png", "Fig 6-30",
                            "A network with one hidden layer, two inputs and two outputs; each edge with its weight"),
                     Figure("fig6-31_layers.png", "Fig 6-31",
                            "The multilayer network: input layer (x), hidden layer (h), output layer (o)"),
                     Figure("fig6-32_forward_pass.png", "Fig 6-32", "The forward pass: net inputs, outputs, the errors"),
                     Figure("fig6-33_backward_pass.png", "Fig 6-33", "The backward pass: the gradient for every weight"),
                     Figure("fig6-34_backprop_to_w5.png", "Fig 6-34",
                            "Back-propagation from the output layer to the weight w5"),
                     Figure("fig6-35_backprop_to_w1.png", "Fig 6-35",
                            "Back-propagation through the hidden layer to the weight w1"),
                     Figure("backprop_error.png", "after Fig 6-35",
                            "E_total of the 2-2-2 network under hand-written back-propagation"),),
            keys=("iterations", "E_total"), seeded=False),
    Section(name="keras_mlp", script="ch06_feedforward/keras_mlp.py", section="6.5", title_zh="6.5 实例:用keras构建深度学习架构",
            title_en="6.5 A Keras model", full=(), quick=("--epochs", "2"),
            figures=(Figure("keras_training_curves.png", "6.5",
                            "Keras MLP: loss and accuracy, training and validation"),
                     Figure("keras_predictions.png", "6.5",
                            "Test images with predicted and true labels (wrong ones in red)")),
            keys=("test_accuracy",), uses_data=True, keras=True),
    # The 2-D VAE (Fig 8-8) first: autoencoder.py sets its own 2-D model beside it.
    Section(name="vae_z2", script="ch08_generative/vae.py", section="8.1", title_zh="8.1 用变分自编码器生成图像",
            title_en="8.1 A variational autoencoder, with the 2-D latent space of Fig 8-8", full=("--z-dim", "2"),
            quick=("--z-dim", "2", "--epochs", "2"),
            figures=(Figure("fig8-2_vae_architecture_z2.png", "after Fig 8-2",
                            "The 2-D VAE of Fig 8-8: encoder, sampling of z, decoder, and the loss"),
                     Figure("fig8-3_vae_network_z2.png", "after Fig 8-3",
                            "The 2-D VAE of Fig 8-8: its layers and sizes"),
                     Figure("fig8-4_vae_reconstruction_z2.png", "after Fig 8-4",
                            "The 2-D VAE of Fig 8-8: test images and reconstructions"),
                     Figure("fig8-5_vae_samples_z2.png", "after Fig 8-5",
                            "The 2-D VAE of Fig 8-8: new images from z ~ N(0, I)"),
                     Figure("vae_loss_curves_z2.png", "-",
                            "The 2-D VAE: reconstruction and KL terms per image during training")),
            keys=("train_nats", "test_nats"), uses_data=True, saves=("weights/vae_z2.pt",), resumes=True),
    Section(name="autoencoder", script="ch08_generative/autoencoder.py", section="8.1.1",
            title_zh="8.1.1 自编码器", title_en="8.1.1 Autoencoders",
            full=(), quick=("--epochs", "2"),
            figures=(Figure("fig8-1_autoencoder_architecture.png", "Fig 8-1",
                            "The autoencoder: X encoded to a low-dimensional code z, decoded to X~, the loss comparing them"),
                     Figure("ae_vs_vae_codes.png", "after Fig 8-1",
                            "The test set's 2-D codes: plain autoencoder beside the 2-D VAE"),
                     Figure("ae_vs_vae_prior_samples.png", "after Fig 8-1",
                            "Both decoders given z ~ N(0, I): only the VAE's makes images"),
                     Figure("ae_vs_vae_interpolation.png", "after Fig 8-1",
                            "A straight walk between two test images' codes, decoded")),
            keys=("autoencoder_nats", "vae_nats", "autoencoder_coverage", "vae_coverage"), uses_data=True,
            needs=("vae_z2",),
            saves=("weights/autoencoder.pt",), resumes=True),
    Section(name="vae", script="ch08_generative/vae.py", section="8.1",
            title_zh="8.1 用变分自编码器生成图像", title_en="8.1 A variational autoencoder",
            full=(), quick=("--epochs", "2"),
            figures=(Figure("fig8-2_vae_architecture.png", "Fig 8-2",
                            "VAE: (1) encoder to mu and log_var, (2) epsilon ~ N(0, I), (3) z = mu + sigma * epsilon, "
                            "(4) decoder; loss = BCE + KL"),
                     Figure("fig8-3_vae_network.png", "Fig 8-3", "VAE: the network's layers and sizes, read from the model"),
                     Figure("fig8-4_vae_reconstruction.png", "Fig 8-4",
                            "VAE: test images (odd columns) and their reconstructions (even)"),
                     Figure("fig8-5_vae_samples.png", "Fig 8-5", "VAE: new images decoded from z ~ N(0, I)"),
                     Figure("vae_loss_curves.png", "-", "VAE: reconstruction and KL terms per image during training")),
            keys=("train_nats", "test_nats", "book_check"), uses_data=True, saves=("weights/vae_z20.pt",), resumes=True,
            book_check=BookCheck("vae", epochs=30, steps_per_epoch=469, window=3)),
    Section(name="gan", script="ch08_generative/gan.py", section="8.2-8.3", title_zh="8.2 GAN简介 · 8.3 用GAN生成图像",
            title_en="8.2 GANs · 8.3 Images from a GAN", full=(), quick=("--epochs", "2"),
            figures=(Figure("fig8-6_gan_architecture.png", "Fig 8-6",
                            "GAN: G maps a latent vector z to a fake image; D scores real and fake images; layers from G and D"),
                     Figure("fig8-7_gan_samples.png", "Fig 8-7",
                            "GAN: images from one fixed batch of noise after the last epoch"),
                     Figure("gan_training_curves.png", "-", "GAN: d_loss, g_loss, D(x) and D(G(z)) during training")),
            keys=(*GAN_NUMBERS, "book_check"), uses_data=True,
            epoch_grids=(Figure("gan_samples/fixed_noise-{e}.png", "after Fig 8-7",
                                "GAN: one fixed batch of noise after each epoch"),),
            saves=("weights/gan.pt", "weights/G.ckpt", "weights/D.ckpt"), resumes=True,
            book_check=BookCheck("gan", epochs=200, steps_per_epoch=600, first_epoch=0, window=20)),
    Section(name="vae_vs_gan", script="ch08_generative/vae_vs_gan.py", section="8.4",
            title_zh="8.4 VAE与GAN的异同", title_en="8.4 VAE and GAN compared",
            full=(), quick=("--epochs", "2", "--quick-epochs", "1"),
            figures=(Figure("fig8-8_vae_manifold.png", "Fig 8-8",
                            "The data manifold learned by a VAE with a 2-D latent space"),
                     Figure("vae_vs_gan_samples.png", "8.4", "VAE samples next to GAN samples")),
            keys=("2-D VAE", "VAE", "GAN"), uses_data=True, needs=("vae_z2", "vae", "gan")),
    Section(name="cgan", script="ch08_generative/cgan.py", section="8.5",
            title_zh="8.5 CGAN、DCGAN简介", title_en="8.5 CGAN and DCGAN",
            full=("--digit", "8"), quick=("--epochs", "2", "--digit", "8"),
            figures=(Figure("fig8-9_cgan_architecture.png", "Fig 8-9", "CGAN: the label y conditions both G(z|y) "
                            "and D(x|y); layer sizes from the model"),
                     Figure("cgan_class_grid.png", "after Fig 8-9", "CGAN: row r generated for class r"),
                     Figure("cgan_digit_8.png", "8.5", "CGAN: one image generated for the class asked for "
                            "(generate_digit)"),
                     Figure("cgan_training_curves.png", "-",
                            "CGAN: losses, scores, and the listing's printed 'D(G(z))' quantity")),
            keys=(*GAN_NUMBERS, "book_check"),
            uses_data=True, saves=("weights/cgan.pt", "weights/cgan_G.ckpt", "weights/cgan_D.ckpt"), resumes=True,
            # judged=3: the listing's "D(G(z))" column is minus the fakes' mean pixel, not a score (cgan.py)
            book_check=BookCheck("cgan", epochs=50, steps_per_epoch=600, first_epoch=0, window=5, judged=3)),
    Section(name="dcgan", script="ch08_generative/dcgan.py", section="8.5",
            title_zh="8.5 CGAN、DCGAN简介", title_en="8.5 CGAN and DCGAN", full=(),
            quick=("--epochs", "1"),
            figures=(Figure("gan_vs_dcgan_samples.png", "8.5",
                            "The fully connected GAN beside the DCGAN after the same number of epochs"),
                     Figure("dcgan_training_curves.png", "-", "DCGAN: d_loss, g_loss, D(x) and D(G(z)) during training")),
            keys=GAN_NUMBERS, uses_data=True,
            epoch_grids=(Figure("dcgan_samples/fixed_noise-{e}.png", "8.5",
                                "DCGAN: one fixed batch of noise after each epoch"),), needs=("gan",),
            saves=("weights/dcgan.pt", "weights/dcgan_G.ckpt", "weights/dcgan_D.ckpt"), resumes=True),
    # Last: it measures every generator the runs above saved, 8.5's too.
    Section(name="evaluate", script="ch08_generative/evaluate.py", section="8.4-8.5", title_zh="8.4 VAE与GAN的异同(量化)",
            title_en="8.4 in numbers, over 8.1-8.5", full=(), quick=("--classifier-epochs", "1", "--samples", "2000"),
            figures=(Figure("generators_measured.png", "after Fig 8-8",
                            "8.4 measured: every saved generator against the test set"),),
            keys=("classifier_accuracy", "CGAN conditioning"),
            uses_data=True, needs=("vae", "gan", "cgan", "dcgan"),  # the generators it reads (not autoencoder.pt)
            saves=("weights/classifier_{dataset}.pt",)),
]

SCRIPTS = list(dict.fromkeys(section.script for section in BOOK))  # in book order, each once


CHECKS = {s.book_check.kind: s for s in BOOK if s.book_check}  # the rows whose printout the book check reads, by kind


def of_script(script):
    """The script's own row (the one of its name: vae.py's, not the 2-D variant's)."""
    rows = [s for s in BOOK if s.script == script]
    return next((s for s in rows if script.endswith(f"/{s.name}.py")), rows[0])


def figure(file):
    """The table's entry for a figure file, or None for one it does not know."""
    return next((f for s in BOOK for f in s.figures if f.file == file), None)


def section_key(section):
    """'8.2-8.3' -> (8, 3): a section range sorts by its last section, so 8.4-8.5 comes after 8.5."""
    return tuple(int(n) for n in section.split("-")[-1].split("."))
