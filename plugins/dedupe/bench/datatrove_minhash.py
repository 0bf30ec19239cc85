"""datatrove MinHash (14 bands x 8 rows, 5-gram words) on a JSONL file, one worker,
the four standard stages run in sequence; prints wall time per stage and MB/s."""
import sys, time, os, resource, shutil, json
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.pipeline.dedup import MinhashDedupSignature, MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter
from datatrove.pipeline.dedup.minhash import MinhashConfig

if __name__ == "__main__":
    src, work, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    shutil.rmtree(work, ignore_errors=True)
    cfg = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8)
    read = lambda: JsonlReader(src, glob_pattern="*.jsonl", text_key="text", id_key="id")
    stages = [
        ("signatures", [read(), MinhashDedupSignature(output_folder=f"{work}/sigs", config=cfg)], workers),
        ("buckets", [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=cfg)], cfg.num_buckets),
        ("cluster", [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=cfg)], 1),
        ("filter", [read(), MinhashDedupFilter(input_folder=f"{work}/remove_ids", exclusion_writer=JsonlWriter(f"{work}/removed")), JsonlWriter(f"{work}/out")], workers),
    ]
    size = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src) if f.endswith(".jsonl"))
    total = 0
    for name, pipe, tasks in stages:
        t = time.time()
        LocalPipelineExecutor(pipeline=pipe, tasks=tasks, workers=workers, logging_dir=f"{work}/logs/{name}", skip_completed=False).run()
        dt = time.time() - t; total += dt
        print(f"{name}: {dt:.2f}s", file=sys.stderr)
    print(f"datatrove minhash total {total:.2f}s on {size/1e6:.1f} MB (JSONL bytes) = {size/1e6/total:.2f} MB/s, workers={workers}", file=sys.stderr)
