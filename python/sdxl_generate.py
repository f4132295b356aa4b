#!/usr/bin/env python3
"""Generate images with an SDXL base model and a training run's weights (docs/generation.md).

The SDXL Trainer extension runs this in the training interpreter; it needs only diffusers, torch and PIL (diffusers
0.27.2 and later). Every source (the base model, a LoRA, a fine-tuned UNet, a saved pipeline) makes the same images:
prompt i, image k uses seed + k on a CPU generator, so columns of a comparison differ only by the weights.

Progress goes to stdout as `SDXL_GENERATE {json}` lines; `<output_dir>/generation.json` is rewritten (atomically)
after every image, so a reader never sees half a file and a stopped job keeps what it made.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import traceback

PREFIX = "SDXL_GENERATE "
KINDS = ("base", "lora", "unet", "pipeline")
LORA_FILE = "pytorch_lora_weights.safetensors"


class Stopped(Exception):
    """SIGTERM (the extension's Stop), turned into an exception so the finally blocks run."""


def emit(event, **fields):
    print(PREFIX + json.dumps(dict(event=event, **fields)), flush=True)


def parse_source(text):
    label, sep, spec = text.partition("=")
    kind, _, path = spec.partition(":")
    if not sep or not label or kind not in KINDS or (kind == "base") != (path == ""):
        raise argparse.ArgumentTypeError(
            "--source %r: expected LABEL=base, LABEL=lora:PATH, LABEL=unet:PATH or LABEL=pipeline:PATH" % text)
    return {"label": label, "kind": kind, "path": path or None}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pretrained_model_name_or_path", required=True)
    p.add_argument("--pretrained_vae_model_name_or_path")
    p.add_argument("--revision")
    p.add_argument("--variant")
    p.add_argument("--source", action="append", type=parse_source, required=True, dest="sources")
    p.add_argument("--prompt", action="append", required=True, dest="prompts")
    p.add_argument("--negative_prompt")
    p.add_argument("--num_inference_steps", type=int, default=25)
    p.add_argument("--guidance_scale", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num_images", type=int, default=1)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--height", type=int, default=1024)
    p.add_argument("--output_dir", required=True)
    p.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto")
    args = p.parse_args(argv)
    labels = [s["label"] for s in args.sources]
    if len(set(labels)) != len(labels):
        p.error("--source labels must be unique (got %s)" % ", ".join(labels))
    return args


def settings_of(args):
    """The GenerationSettings shape (src/core/generate/types.ts) of what was asked."""
    s = {
        "baseModel": args.pretrained_model_name_or_path,
        "sources": [dict((k, v) for k, v in src.items() if v is not None) for src in args.sources],
        "prompts": args.prompts,
        "steps": args.num_inference_steps,
        "guidance": args.guidance_scale,
        "seed": args.seed,
        "numImages": args.num_images,
        "width": args.width,
        "height": args.height,
        "device": args.device,
    }
    for key, value in (("vae", args.pretrained_vae_model_name_or_path), ("revision", args.revision),
                       ("variant", args.variant), ("negativePrompt", args.negative_prompt)):
        if value:
            s[key] = value
    return s


def write_json_atomic(path, data):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def check_source(src):
    """Fail before any model loads when a source's weights are not where the request says (names the path)."""
    path, kind = src["path"], src["kind"]
    if kind == "lora":
        if not (os.path.isfile(path) or os.path.isfile(os.path.join(path, LORA_FILE))):
            raise FileNotFoundError("LoRA weights not found: %s (a folder with %s, or that file)" % (path, LORA_FILE))
    elif kind == "unet":
        if not os.path.isfile(os.path.join(path, "unet", "config.json")):
            raise FileNotFoundError("UNet not found: %s (expected %s)" % (path, os.path.join(path, "unet", "config.json")))
    elif kind == "pipeline":
        if not os.path.isfile(os.path.join(path, "model_index.json")):
            raise FileNotFoundError("pipeline not found: %s (expected model_index.json there)" % path)


def lora_location(path):
    """(folder, weight_name): passing weight_name always also works offline (diffusers guesses it only online)."""
    if os.path.isfile(path):
        return os.path.dirname(os.path.abspath(path)), os.path.basename(path)
    return path, LORA_FILE


def main(argv=None):
    args = parse_args(argv)
    # Heavy imports after the arguments are known to be fine: --help and usage errors stay instant.
    import torch
    from diffusers import AutoencoderKL, StableDiffusionXLPipeline, UNet2DConditionModel

    device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.float16 if device == "cuda" else torch.float32
    dtype_name = str(dtype).replace("torch.", "")
    os.makedirs(args.output_dir, exist_ok=True)
    result_path = os.path.join(args.output_dir, "generation.json")
    result = {"version": 1, "settings": settings_of(args), "images": [], "complete": False}
    write_json_atomic(result_path, result)
    total = len(args.sources) * len(args.prompts) * args.num_images
    emit("start", total=total, sources=[s["label"] for s in args.sources], prompts=len(args.prompts),
         numImages=args.num_images)
    started = time.time()
    for src in args.sources:
        if src["kind"] != "base":
            try:
                check_source(src)
            except Exception as e:
                e.source = src["label"]
                raise
    load_kw = {"torch_dtype": dtype}
    if args.revision:
        load_kw["revision"] = args.revision
    if args.variant:
        load_kw["variant"] = args.variant
    base = None  # loaded once, on first use, for every source but `pipeline`

    def load_base():
        kw = dict(load_kw)
        if args.pretrained_vae_model_name_or_path:
            # A VAE repo (madebyollin/sdxl-vae-fp16-fix) has no `vae` subfolder and no variant, as in the training scripts.
            vae_kw = {"torch_dtype": dtype}
            if args.revision:
                vae_kw["revision"] = args.revision
            kw["vae"] = AutoencoderKL.from_pretrained(args.pretrained_vae_model_name_or_path, **vae_kw)
        pipe = StableDiffusionXLPipeline.from_pretrained(args.pretrained_model_name_or_path, **kw).to(device)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    done = 0
    for src in args.sources:
        label, kind, path = src["label"], src["kind"], src["path"]
        t0 = time.time()
        try:
            if kind == "pipeline":
                pipe = StableDiffusionXLPipeline.from_pretrained(path, torch_dtype=dtype).to(device)
                pipe.set_progress_bar_config(disable=True)
            else:
                if base is None:
                    base = load_base()
                pipe = base
                base_unet = pipe.unet
                if kind == "lora":
                    folder, weight_name = lora_location(path)
                    pipe.load_lora_weights(folder, weight_name=weight_name)
                elif kind == "unet":
                    pipe.unet = UNet2DConditionModel.from_pretrained(path, subfolder="unet", torch_dtype=dtype).to(device)
            result.update(device=device, dtype=dtype_name)
            emit("loaded", source=label, device=device, dtype=dtype_name, seconds=round(time.time() - t0, 3))
            os.makedirs(os.path.join(args.output_dir, label), exist_ok=True)
            for p_index, prompt in enumerate(args.prompts):
                for k in range(args.num_images):
                    seed = args.seed + k
                    t1 = time.time()

                    def on_step(_pipe, i, _t, kwargs, seed=seed, p_index=p_index):
                        emit("step", source=label, promptIndex=p_index, seed=seed, step=i + 1,
                             steps=args.num_inference_steps)
                        return kwargs

                    image = pipe(prompt=prompt, negative_prompt=args.negative_prompt,
                                 num_inference_steps=args.num_inference_steps, guidance_scale=args.guidance_scale,
                                 width=args.width, height=args.height,
                                 generator=torch.Generator("cpu").manual_seed(seed),
                                 callback_on_step_end=on_step).images[0]
                    rel = "%s/%d-%d.png" % (label, p_index, seed)
                    image.save(os.path.join(args.output_dir, label, "%d-%d.png" % (p_index, seed)))
                    seconds = round(time.time() - t1, 3)
                    done += 1
                    result["images"].append(
                        {"source": label, "promptIndex": p_index, "seed": seed, "file": rel, "seconds": seconds})
                    write_json_atomic(result_path, result)
                    emit("image", source=label, promptIndex=p_index, seed=seed, file=rel, seconds=seconds,
                         done=done, total=total)
        except Exception as e:
            e.source = label
            raise
        finally:
            # The next source starts from the base weights again.
            if kind == "lora" and base is not None:
                base.unload_lora_weights()
            elif kind == "unet" and base is not None:
                base.unet = base_unet
            elif kind == "pipeline":
                del pipe
    result["complete"] = True
    write_json_atomic(result_path, result)
    emit("done", images=done, seconds=round(time.time() - started, 3))
    return 0


def on_sigterm(_signum, _frame):
    raise Stopped()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("stopped (SIGINT)", file=sys.stderr, flush=True)
        sys.exit(130)
    except Stopped:
        print("stopped (SIGTERM)", file=sys.stderr, flush=True)
        sys.exit(143)
    except Exception as e:  # noqa: BLE001 - every failure becomes an `error` line, then the traceback
        fields = {"message": "%s: %s" % (type(e).__name__, e)}
        if getattr(e, "source", None):
            fields["source"] = e.source
        emit("error", **fields)
        traceback.print_exc()
        sys.exit(1)
