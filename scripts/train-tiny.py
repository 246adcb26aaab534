#!/usr/bin/env python3
"""Train the project's tiny llama-architecture models on the generated `arith` and `chain` tasks.

Development only: CI and users never run this; they use the committed GGUF files in
examples/models/. It needs PyTorch (CPU) and NumPy, which are not project dependencies; pip
installs them from whatever index or local wheel store it is configured with:

    python3 -m venv ~/.venvs/tts-tiny && ~/.venvs/tts-tiny/bin/pip install torch numpy
    ~/.venvs/tts-tiny/bin/python scripts/train-tiny.py --task arith --size all --out ~/tts-tiny-build
    ~/.venvs/tts-tiny/bin/python scripts/train-tiny.py --task chain --size all --out ~/tts-tiny-build
    npm run build && node scripts/export-gguf.mjs ~/tts-tiny-build examples/models

The default seed (1) reproduces the committed weights exactly (the GGUF files differ only in the
training log they carry, which records wall-clock seconds). The chain models took 28 minutes one
after the other on one thread of a shared two-core machine (xs 4, s 6, m 17).

The architecture is exactly llama.cpp's `llama` graph, so the weights run there unchanged:
RMSNorm (eps 1e-5), RoPE rotating adjacent pairs (ggml's "normal" mode, so Q and K need no
permutation), SwiGLU feed-forward, no biases, output tied to the token embedding. The vocabulary
is character level with SentencePiece-style byte fallback (see CHARS and vocab()).

`arith`: the questions are sums and differences of two numbers with the same count of digits (1 to 3),
in the three prompt formats of src/tasks/arith.ts (keep the two in step):
  answer   "123+456="              -> "579"
  refine   "123+456~578,579="      -> "579"   (an assistant given other answers as references)
  fuse     "123+456#578,579,580="  -> "579"   (a fuser condensing candidate answers)
Candidates are the correct answer or plausible slips (carry errors, one wrong digit, off by one),
so a model learns to weigh them against its own working. Questions whose FNV-1a hash is 0 mod 4
are never trained on: the task draws its items only from them.

Each run writes NAME.json (config, vocabulary, tensor table, training log) and NAME.bin (f32
tensors, PyTorch layout) for the exporter. One thread by default: on a small shared machine more
threads are slower. The arith models took 4 to 14 minutes each there.
"""

import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Characters of the formats. Order fixes token ids: id = 259 + index.
CHARS = list("0123456789+-=~#,?")
MAX_FUSE = 6
MAX_REFINE = 3
CONTEXT = 64
HELD_OUT_MOD = 4

SIZES = {
    # name: layers, d_model, heads, d_ff, steps, lr
    "small": dict(layers=2, d=32, heads=2, ff=64, steps=1500, lr=5e-3),
    "medium": dict(layers=2, d=64, heads=4, ff=128, steps=2000, lr=4e-3),
    "large": dict(layers=3, d=80, heads=4, ff=160, steps=2500, lr=3e-3),
}

CHAIN_SIZES = {
    "xs": dict(layers=2, d=32, heads=2, ff=64, steps=3000, lr=5e-3),
    "s": dict(layers=2, d=48, heads=4, ff=96, steps=4000, lr=4e-3),
    "m": dict(layers=3, d=64, heads=4, ff=128, steps=5000, lr=3e-3),
}


def vocab():
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] + CHARS
    return tokens


TOK = {c: 259 + i for i, c in enumerate(CHARS)}
BOS, EOS = 1, 2


def fnv1a(s: str) -> int:
    h = 0x811C9DC5
    for ch in s.encode("utf-8"):
        h ^= ch
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def is_held_out(question: str) -> bool:
    return fnv1a(question) % HELD_OUT_MOD == 0


def rand_digits(rng: random.Random, n: int) -> int:
    if n == 1:
        return rng.randrange(0, 10)
    return rng.randrange(10 ** (n - 1), 10**n)


def question(rng: random.Random):
    """One question and its answer, as src/tasks/arith.ts draws them: both operands have the same
    number of digits (1 to 3), so digits line up and difficulty grows with the length."""
    op = rng.choice("+-")
    n = rng.choice((1, 2, 2, 3, 3))
    a, b = rand_digits(rng, n), rand_digits(rng, n)
    if op == "-" and b > a:
        a, b = b, a
    return (f"{a}+{b}", a + b) if op == "+" else (f"{a}-{b}", a - b)


def one_digit_changed(rng: random.Random, s: str) -> int:
    """The number written `s` with one digit changed (never to a leading zero)."""
    i = rng.randrange(len(s))
    d = rng.choice([c for c in "0123456789" if c != s[i] and not (i == 0 and c == "0" and len(s) > 1)])
    return int(s[:i] + d + s[i + 1 :])


def slip(rng: random.Random, ans: int) -> int:
    """A plausible wrong answer."""
    s = str(ans)
    for _ in range(10):
        kind = rng.random()
        if kind < 0.35:
            w = ans + rng.choice((-1, 1)) * 10 ** rng.randrange(0, len(s))
        elif kind < 0.7:
            w = one_digit_changed(rng, s)
        elif kind < 0.9:
            w = ans + rng.choice((-2, -1, 1, 2))
        else:
            w = rng.randrange(0, max(20, 2 * ans + 1))
        if w >= 0 and w != ans:
            return w
    return ans + 1


def candidates(rng: random.Random, ans: int, n: int, wrong=None, p_recurring=0.8):
    """n candidate answers as samples of the models look: right with a chance drawn per list, else
    one of two recurring wrong answers (a model tends to slip the same way) or a fresh one. `wrong`
    draws a wrong answer (default: a slip of `ans`)."""
    wrong = wrong or (lambda: slip(rng, ans))
    p_right = rng.random()
    distractors = [wrong() for _ in range(2)]
    out = []
    for _ in range(n):
        if rng.random() < 0.03:
            out.append("?")
        elif rng.random() < p_right:
            out.append(str(ans))
        else:
            out.append(str(rng.choice(distractors) if rng.random() < p_recurring else wrong()))
    return out


def example(rng: random.Random):
    """(prompt, answer) in one of the three formats, never from a held-out question."""
    while True:
        q, ans = question(rng)
        if not is_held_out(q):
            break
    r = rng.random()
    if r < 0.5:
        return f"{q}=", str(ans)
    if r < 0.75:
        return f"{q}~{','.join(candidates(rng, ans, rng.randint(1, MAX_REFINE)))}=", str(ans)
    return f"{q}#{','.join(candidates(rng, ans, rng.randint(2, MAX_FUSE)))}=", str(ans)


# The `chain` task (src/tasks/chain.ts; keep the two in step): a chain of three to five numbers
# added and subtracted left to right, never going below zero, answered with every running total:
#   answer   "57+8-23+41="            -> "65,42,83"   (the last total is the answer)
#   refine   "57+8-23+41~83,93="      -> "65,42,83"   (an assistant given other answers)
#   fuse     "57+8-23+41#83,93,83="   -> "83"         (a fuser condensing candidate answers)
# A slip at one step carries through every later total, so wrong answers are the right one
# shifted by a typical slip; the refine and fuse candidates are drawn that way.
CHAIN_OPERANDS = (3, 4, 4, 5)


def chain_question(rng: random.Random):
    """One chain and its running totals: the first number has two digits, the others one or two."""
    n = rng.choice(CHAIN_OPERANDS)
    total = rng.randrange(10, 100)
    q, totals = str(total), []
    for _ in range(n - 1):
        b = rng.randrange(1, 10) if rng.random() < 0.3 else rng.randrange(10, 100)
        op = rng.choice("+-")
        if op == "-" and b > total:
            op = "+"
        total = total + b if op == "+" else total - b
        q += op + str(b)
        totals.append(total)
    return q, totals


def chain_slip(rng: random.Random, totals) -> int:
    """A wrong final answer as a model makes one: one total is off, and the error carries to the end."""
    for _ in range(10):
        i = rng.randrange(len(totals))
        t = totals[i]
        s = str(t)
        kind = rng.random()
        if kind < 0.4:
            w = t + rng.choice((-1, 1)) * 10 ** rng.randrange(0, len(s))
        elif kind < 0.7:
            w = one_digit_changed(rng, s)
        else:
            w = t + rng.choice((-2, -1, 1, 2))
        final = totals[-1] + (w - t)
        if final >= 0 and final != totals[-1]:
            return final
    return totals[-1] + 1


def chain_candidates(rng: random.Random, totals, n: int):
    """Candidate answers of a chain, wrong ones slipped at one step and carried to the end."""
    return candidates(rng, totals[-1], n, lambda: chain_slip(rng, totals), 0.75)


def chain_example(rng: random.Random):
    """(prompt, target) in one of the three formats, never from a held-out chain."""
    while True:
        q, totals = chain_question(rng)
        if not is_held_out(q):
            break
    steps = ",".join(map(str, totals))
    r = rng.random()
    if r < 0.5:
        return f"{q}=", steps
    if r < 0.7:
        return f"{q}~{','.join(chain_candidates(rng, totals, rng.randint(1, MAX_REFINE)))}=", steps
    return f"{q}#{','.join(chain_candidates(rng, totals, rng.randint(2, MAX_FUSE)))}=", str(totals[-1])


def encode(s: str):
    return [TOK[c] for c in s]


def batch(rng: random.Random, n: int, chunks: int = 3, make=example):
    """n examples as a few (x, y) micro-batches of similar length, so little compute goes to padding."""
    pairs = sorted((make(rng) for _ in range(n)), key=lambda pa: len(pa[0]) + len(pa[1]))
    size = math.ceil(n / chunks)
    return [pad(pairs[i : i + size]) for i in range(0, n, size)]


def pad(pairs):
    n = len(pairs)
    seqs, masks = [], []
    for p, a in pairs:
        seqs.append([BOS] + encode(p) + encode(a) + [EOS])
        masks.append([0] * (1 + len(p)) + [1] * (len(a) + 1))
    T = max(len(s) for s in seqs)
    x = np.full((n, T), EOS, dtype=np.int64)
    y = np.full((n, T), -100, dtype=np.int64)
    for i, (s, m) in enumerate(zip(seqs, masks)):
        x[i, : len(s)] = s
        for t in range(1, len(s)):
            if m[t]:
                y[i, t - 1] = s[t]
    return torch.from_numpy(x), torch.from_numpy(y)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    # x: (B, H, T, hd); rotate adjacent pairs (x0, x1), (x2, x3), ... as ggml's normal mode does.
    x0 = x[..., 0::2]
    x1 = x[..., 1::2]
    r0 = x0 * cos - x1 * sin
    r1 = x0 * sin + x1 * cos
    return torch.stack((r0, r1), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.attn_norm = RMSNorm(d)
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d)
        self.w_gate = nn.Linear(d, ff, bias=False)
        self.w_up = nn.Linear(d, ff, bias=False)
        self.w_down = nn.Linear(ff, d, bias=False)

    def forward(self, x, cos, sin):
        B, T, D = x.shape
        hd = D // self.heads
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, self.heads, hd).transpose(1, 2)
        k = self.wk(h).view(B, T, self.heads, hd).transpose(1, 2)
        v = self.wv(h).view(B, T, self.heads, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.wo(a.transpose(1, 2).reshape(B, T, D))
        h = self.ffn_norm(x)
        return x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))


class Tiny(nn.Module):
    def __init__(self, vocab_size, layers, d, heads, ff):
        super().__init__()
        self.d, self.heads = d, heads
        self.embed = nn.Embedding(vocab_size, d)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.blocks = nn.ModuleList([Block(d, heads, ff) for _ in range(layers)])
        self.norm = RMSNorm(d)
        hd = d // heads
        inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.arange(CONTEXT).float()[:, None] * inv[None, :]
        self.register_buffer("cos", ang.cos(), persistent=False)
        self.register_buffer("sin", ang.sin(), persistent=False)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        x = self.embed(idx)
        cos, sin = self.cos[:T], self.sin[:T]
        for b in self.blocks:
            x = b(x, cos, sin)
        if targets is None:
            return self.norm(x) @ self.embed.weight.T
        # Loss on the answer tokens only; the logits elsewhere are never needed.
        keep = targets != -100
        logits = self.norm(x[keep]) @ self.embed.weight.T
        return F.cross_entropy(logits, targets[keep], reduction="sum"), int(keep.sum())


@torch.no_grad()
def greedy(model, prompts, max_new=6, temperature=0.0, gen=None):
    """Answers for a list of prompt strings (batched by equal length): greedy, or sampled at a
    temperature with the torch generator `gen`."""
    out = {}
    by_len = {}
    for p in prompts:
        by_len.setdefault(len(p), []).append(p)
    for _, group in by_len.items():
        x = torch.tensor([[BOS] + encode(p) for p in group])
        done = [False] * len(group)
        texts = [""] * len(group)
        for _ in range(max_new):
            logits = model(x)[:, -1]
            if temperature > 0:
                nxt = torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=gen)[:, 0]
            else:
                nxt = logits.argmax(-1)
            for i, t in enumerate(nxt.tolist()):
                if done[i]:
                    continue
                if t == EOS:
                    done[i] = True
                else:
                    texts[i] += vocab()[t] if t >= 259 else "?"
            x = torch.cat([x, nxt[:, None]], dim=1)
            if all(done):
                break
        for p, t in zip(group, texts):
            out[p] = t
    return out


def held_out_eval(model, n=600, seed=12345):
    rng = random.Random(seed)
    qs = []
    while len(qs) < n:
        q, a = question(rng)
        if is_held_out(q):
            qs.append((q, a))
    res = {}
    for fmt in ("answer", "refine", "fuse"):
        prompts = []
        for q, a in qs:
            if fmt == "answer":
                prompts.append(f"{q}=")
            elif fmt == "refine":
                prompts.append(f"{q}~{','.join(candidates(rng, a, 2))}=")
            else:
                prompts.append(f"{q}#{','.join(candidates(rng, a, 5))}=")
        got = greedy(model, prompts)
        res[fmt] = sum(got[p] == str(a) for p, (q, a) in zip(prompts, qs)) / n
    return res


def last_number(text: str):
    """The final answer of a chain output: its last run of digits (as src/tasks/chain.ts reads it)."""
    nums = [t for t in text.replace("-", ",").split(",") if t.isdigit()]
    return str(int(nums[-1])) if nums else None


def plurality(answers):
    """The most frequent answer; ties go to the one seen first, unreadable answers never win."""
    counts = {}
    for a in answers:
        if a is not None:
            counts[a] = counts.get(a, 0) + 1
    return max(counts, key=counts.get) if counts else None


def chain_held_out_eval(model, n=600, seed=12345, temperature=0.7, k=5):
    """What test-time scaling gets from a model: greedy, one sample, the vote of k samples, and the
    model as fuser of its own k samples and as refiner given two of them."""
    rng = random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    qs = []
    while len(qs) < n:
        q, totals = chain_question(rng)
        if is_held_out(q):
            qs.append((q, str(totals[-1])))
    max_new = 24
    plain = [f"{q}=" for q, _ in qs]
    right = lambda outs: sum(o == a for o, (_, a) in zip(outs, qs)) / n
    g = greedy(model, plain, max_new)
    res = {"greedy": right([last_number(g[p]) for p in plain])}
    samples = []
    for _ in range(k):
        got = greedy(model, plain, max_new, temperature, gen)
        samples.append([last_number(got[p]) for p in plain])
    res["sample"] = sum(right(s) for s in samples) / k
    res[f"vote{k}"] = right([plurality([s[j] for s in samples]) for j in range(n)])
    res[f"any{k}"] = sum(any(s[j] == a for s in samples) for j, (_, a) in enumerate(qs)) / n
    cand = lambda j, m: [samples[i][j] or "?" for i in range(m)]
    fuse = [f"{q}#{','.join(cand(j, k))}=" for j, (q, _) in enumerate(qs)]
    got = greedy(model, fuse, 8)
    res["fuse"] = right([last_number(got[p]) for p in fuse])
    got = greedy(model, fuse, 8, temperature, gen)
    res["fuseSampled"] = right([last_number(got[p]) for p in fuse])
    refine = [f"{q}~{','.join(cand(j, 2))}=" for j, (q, _) in enumerate(qs)]
    got = greedy(model, refine, max_new, temperature, gen)
    res["refineSampled"] = right([last_number(got[p]) for p in refine])
    return {k2: round(v, 4) for k2, v in res.items()}


def train(name, cfg, out_dir, seed, threads, steps_override=None, batch_size=128, task="arith"):
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    V = len(vocab())
    model = Tiny(V, cfg["layers"], cfg["d"], cfg["heads"], cfg["ff"])
    params = sum(p.numel() for p in model.parameters())
    steps = steps_override or cfg["steps"]
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.01, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=steps, pct_start=0.1)
    print(f"{name}: {params} params, {steps} steps", flush=True)
    t0 = time.time()
    log = []
    for step in range(1, steps + 1):
        opt.zero_grad(set_to_none=True)
        micro = batch(rng, batch_size, make=chain_example if task == "chain" else example)
        total = sum(int((y != -100).sum()) for _, y in micro)
        loss_sum = 0.0
        for x, y in micro:
            l, _ = model(x, y)
            (l / total).backward()
            loss_sum += l.item()
        loss = torch.tensor(loss_sum / total)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 250 == 0 or step == steps:
            log.append({"step": step, "loss": round(loss.item(), 4), "seconds": round(time.time() - t0, 1)})
            print(f"  step {step} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
    model.eval()
    acc = chain_held_out_eval(model) if task == "chain" else held_out_eval(model)
    print(f"  held-out accuracy (PyTorch): {acc}", flush=True)
    export(model, name, task, cfg, params, out_dir, {"seed": seed, "steps": steps, "batch": batch_size, "log": log, "torchAccuracy": acc, "seconds": round(time.time() - t0, 1)})


def export(model, name, task, cfg, params, out_dir, training):
    tensors = [("token_embd.weight", model.embed.weight), ("output_norm.weight", model.norm.weight)]
    for i, b in enumerate(model.blocks):
        tensors += [
            (f"blk.{i}.attn_norm.weight", b.attn_norm.weight),
            (f"blk.{i}.attn_q.weight", b.wq.weight),
            (f"blk.{i}.attn_k.weight", b.wk.weight),
            (f"blk.{i}.attn_v.weight", b.wv.weight),
            (f"blk.{i}.attn_output.weight", b.wo.weight),
            (f"blk.{i}.ffn_norm.weight", b.ffn_norm.weight),
            (f"blk.{i}.ffn_gate.weight", b.w_gate.weight),
            (f"blk.{i}.ffn_up.weight", b.w_up.weight),
            (f"blk.{i}.ffn_down.weight", b.w_down.weight),
        ]
    os.makedirs(out_dir, exist_ok=True)
    table, offset = [], 0
    with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
        for tname, t in tensors:
            arr = t.detach().float().contiguous().numpy().astype("<f4")
            f.write(arr.tobytes())
            table.append({"name": tname, "shape": list(arr.shape), "offset": offset})
            offset += arr.nbytes
    manifest = {
        "format": "tts-graph-tiny/1",
        "name": name,
        "task": task,
        "config": {
            "layers": cfg["layers"],
            "hidden": cfg["d"],
            "heads": cfg["heads"],
            "ffn": cfg["ff"],
            "contextLength": CONTEXT,
            "rmsEps": 1e-5,
            "ropeBase": 10000.0,
        },
        "params": params,
        "tokens": vocab(),
        "bos": BOS,
        "eos": EOS,
        "unk": 0,
        "tensors": table,
        "training": training,
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(manifest, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="arith", choices=["arith", "chain"])
    ap.add_argument("--size", default="all", help="sizes of the task, comma-separated (see SIZES, CHAIN_SIZES), or all")
    ap.add_argument("--out", required=True, help="folder for NAME.json and NAME.bin")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=None, help="override the size's step count")
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    table = CHAIN_SIZES if args.task == "chain" else SIZES
    sizes = list(table) if args.size == "all" else args.size.split(",")
    for s in sizes:
        if s not in table:
            ap.error(f"--size {s}: expected all or sizes among {', '.join(table)}")
    for s in sizes:
        train(f"{args.task}-{s}", table[s], args.out, args.seed, args.threads, args.steps, args.batch, args.task)


if __name__ == "__main__":
    main()
