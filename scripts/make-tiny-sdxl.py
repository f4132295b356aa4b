"""Builds a tiny, randomly initialised SDXL for the real worker (scripts/install-real-worker.sh, pip way).

    python make-tiny-sdxl.py OUT

OUT/model     a StableDiffusionXLPipeline folder (UNet, VAE, two CLIP text encoders, two tokenizers, Euler scheduler)
              with the small shapes of diffusers' own SDXL tests, so a training step takes seconds on a CPU;
OUT/instance  4 plain images and nothing else (DreamBooth's --instance_data_dir opens every file as an image);
OUT/data      8 images with metadata.jsonl captions (an imagefolder for the text_to_image scripts).
Images are noise after training: the point is the scripts' real console, checkpoints and event files.
Needs torch, transformers, diffusers and Pillow importable (the worker's venv).
"""
import json
import os
import sys


def clip_byte_vocab():
    """CLIP's byte-level vocabulary without merges: every byte as a symbol, alone and word-final."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    # The GPT-2 byte-to-unicode mapping: printable bytes are themselves, the others are shifted past 255.
    symbols = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in symbols:
            symbols[b] = chr(256 + extra)
            extra += 1
    ordered = [symbols[b] for b in printable] + [symbols[b] for b in range(256) if b not in printable]
    vocab = {"<|startoftext|>": 0, "!": 1, "<|endoftext|>": 2}
    for suffix in ("", "</w>"):
        for s in ordered:
            vocab.setdefault(s + suffix, len(vocab))
    return vocab


def save_tokenizer(folder, vocab):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
    config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True,
              "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
              "pad_token": "<|endoftext|>"}
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f)


def build_pipeline(work):
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    torch.manual_seed(0)
    text_dim = 32
    time_embed_dim = 8
    unet = UNet2DConditionModel(
        sample_size=32, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), transformer_layers_per_block=(1, 2), use_linear_projection=True,
        cross_attention_dim=2 * text_dim, norm_num_groups=1,
        # SDXL's added conditioning: 6 time ids embedded at 8 each, plus the pooled text embedding.
        addition_embed_type="text_time", addition_time_embed_dim=time_embed_dim,
        projection_class_embeddings_input_dim=6 * time_embed_dim + text_dim)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, sample_size=128, block_out_channels=[32, 64],
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       steps_offset=1, timestep_spacing="leading")
    vocab = clip_byte_vocab()
    text_config = CLIPTextConfig(vocab_size=len(vocab), hidden_size=text_dim, intermediate_size=37, projection_dim=text_dim,
                                 num_hidden_layers=5, num_attention_heads=4, layer_norm_eps=1e-05, hidden_act="gelu",
                                 bos_token_id=0, pad_token_id=1, eos_token_id=2)
    tokenizer_dir = os.path.join(work, "_tokenizer")
    save_tokenizer(tokenizer_dir, vocab)
    return StableDiffusionXLPipeline(
        vae=vae, unet=unet, scheduler=scheduler,
        text_encoder=CLIPTextModel(text_config), text_encoder_2=CLIPTextModelWithProjection(text_config),
        tokenizer=CLIPTokenizer.from_pretrained(tokenizer_dir), tokenizer_2=CLIPTokenizer.from_pretrained(tokenizer_dir))


def write_images(out):
    from PIL import Image
    colours = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]
    data = os.path.join(out, "data")
    instance = os.path.join(out, "instance")
    os.makedirs(data, exist_ok=True)
    os.makedirs(instance, exist_ok=True)
    captions = []
    for i, colour in enumerate(colours):
        # Sizes differ so the scripts' resize and crop do real work.
        image = Image.new("RGB", (96 + 8 * i, 80), colour)
        name = f"{i:02d}.png"
        image.save(os.path.join(data, name))
        captions.append(json.dumps({"file_name": name, "text": f"a {colour} square"}))
        if i < 4:
            image.save(os.path.join(instance, name))
    with open(os.path.join(data, "metadata.jsonl"), "w") as f:
        f.write("\n".join(captions) + "\n")


def main(argv):
    if len(argv) != 2:
        print("usage: python make-tiny-sdxl.py OUT", file=sys.stderr)
        return 2
    out = argv[1]
    build_pipeline(out).save_pretrained(os.path.join(out, "model"))
    write_images(out)
    print(f"tiny SDXL written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
