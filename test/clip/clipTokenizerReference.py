# transformers' CLIPTokenizer (the slow one the diffusers scripts load) on a list of captions: reads
# {"dir": TOKENIZER_FOLDER, "captions": [...]} on stdin, prints [{"ids": [...], "input": [...]}] (input = padded to 77).
import json
import sys

from transformers import CLIPTokenizer

req = json.load(sys.stdin)
tok = CLIPTokenizer.from_pretrained(req["dir"])
out = []
for c in req["captions"]:
    ids = tok(c, add_special_tokens=False).input_ids
    full = tok(c, padding="max_length", max_length=77, truncation=True).input_ids
    out.append({"ids": ids, "input": full})
json.dump(out, sys.stdout)
