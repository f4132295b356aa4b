// The Python the environment probe runs (`PYTHON -c PROBE_SOURCE [ACCELERATE_CONFIG]`). It prints one line,
// PROBE_MARKER + JSON (ASCII only), last; anything a library prints on import comes before it and is ignored.
// Package versions come from importlib.metadata (no import, fast); torch is imported for CUDA, and xformers and
// bitsandbytes when installed, since those are the ones that install but fail to import (built for another torch or
// CUDA). Runs on any Python 3; on one too old for importlib.metadata the versions are null with the reason.

export const PROBE_MARKER = '@@SDXL_ENV_PROBE@@';

/** Distributions whose versions are reported (null when not installed). */
export const PROBED_PACKAGES = [
  'torch',
  'torchvision',
  'diffusers',
  'accelerate',
  'transformers',
  'peft',
  'datasets',
  'tensorboard',
  'xformers',
  'bitsandbytes',
  'wandb',
] as const;
export type ProbedPackage = (typeof PROBED_PACKAGES)[number];

/** Imported (after the metadata says they are there) to learn whether they work. */
const IMPORTED = ['xformers', 'bitsandbytes'];

export const PROBE_SOURCE = String.raw`
import sys, os, json
# The probe must not pick up modules from the folder it runs in.
sys.path = [p for p in sys.path if p not in ('', '.')]
real_stdout = sys.stdout
sys.stdout = sys.stderr  # what libraries print on import must not mix with the result
out = {"probe": 1, "python": {"version": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable, "prefix": sys.prefix}}
try:
    from importlib import metadata as md
    def version_of(name):
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None
    out["metadataError"] = None
except Exception as e:
    version_of = lambda name: None
    out["metadataError"] = "importlib.metadata unavailable: %s" % e
packages = {}
for name in ${JSON.stringify(PROBED_PACKAGES)}:
    try:
        packages[name] = version_of(name)
    except Exception as e:
        packages[name] = None
out["packages"] = packages
broken = {}
def note(name, e):
    broken[name] = ("%s: %s" % (type(e).__name__, e)).strip()[:500]
torch_info = None
if packages.get("torch") is not None:
    try:
        import torch
        torch_info = {"version": str(torch.__version__), "cuda": getattr(torch.version, "cuda", None), "cudaAvailable": False, "gpus": [], "cudaError": None}
        try:
            torch_info["cudaAvailable"] = bool(torch.cuda.is_available())
            if torch_info["cudaAvailable"]:
                for i in range(torch.cuda.device_count()):
                    p = torch.cuda.get_device_properties(i)
                    torch_info["gpus"].append({"name": p.name, "totalMemoryBytes": int(p.total_memory), "capability": "%d.%d" % (p.major, p.minor)})
        except Exception as e:
            torch_info["cudaError"] = ("%s: %s" % (type(e).__name__, e))[:500]
    except BaseException as e:
        note("torch", e)
out["torch"] = torch_info
for name in ${JSON.stringify(IMPORTED)}:
    if packages.get(name) is not None:
        try:
            __import__(name)
        except BaseException as e:
            note(name, e)
out["brokenImports"] = broken
# Where accelerate looks for its default config (accelerate/commands/config/config_args.py), or the launch's --config_file.
explicit = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
home = os.path.expanduser(os.environ.get("HF_HOME", os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")))
cfg_path = explicit or os.path.join(home, "accelerate", "default_config.yaml")
acc = {"path": cfg_path, "explicit": explicit is not None, "exists": os.path.isfile(cfg_path), "values": None, "error": None}
if acc["exists"]:
    try:
        with open(cfg_path, "rb") as f:
            raw = f.read(1 << 20).decode("utf-8", "replace")
        values = None
        try:
            import yaml
            values = yaml.safe_load(raw)
        except ImportError:
            try:
                values = json.loads(raw)
            except ValueError:
                values = {}
                for line in raw.splitlines():
                    if line[:1] in (" ", "\t", "#") or ":" not in line:
                        continue
                    k, v = line.split(":", 1)
                    values[k.strip()] = v.strip().strip("'\"")
        if isinstance(values, dict):
            keep = {}
            for k in ("num_processes", "mixed_precision", "distributed_type", "use_cpu", "gpu_ids", "num_machines"):
                if k in values:
                    v = values[k]
                    keep[k] = v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
            acc["values"] = keep
        else:
            acc["error"] = "it does not hold a mapping of settings"
    except Exception as e:
        acc["error"] = ("%s: %s" % (type(e).__name__, e))[:500]
out["accelerateConfig"] = acc
sys.stdout = real_stdout
sys.stdout.flush()
sys.stdout.write("\n${PROBE_MARKER}" + json.dumps(out, ensure_ascii=True) + "\n")
sys.stdout.flush()
`;
