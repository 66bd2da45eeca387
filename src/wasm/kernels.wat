;; facebench's SIMD kernels (WebAssembly 128-bit SIMD), compiled by scripts/build-wasm.mjs into
;; kernels-wasm.ts. Every float32 operation rounds as numpy's float32 arrays do (IEEE add, mul, div,
;; one rounding each), so the aggregation stays bit-identical to the reference scripts.
;; Pointers are byte offsets into the memory; lengths are element counts.
(module
  (memory (export "memory") 1)

  ;; dst[i] = a[i] + b[i]
  (func (export "add2") (param $dst i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32) (local $vecEnd i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $dst) (local.get $vecEnd)))
      (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $vec)))
    (block $done (loop $tail
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.add (f32.load (local.get $a)) (f32.load (local.get $b))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $tail))))

  ;; dst[i] += src[i]
  (func (export "addInto") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32) (local $vecEnd i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $dst) (local.get $vecEnd)))
      (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $vec)))
    (block $done (loop $tail
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $tail))))

  ;; dst[i] += (src[i] / d) * s   (each step rounded to float32; s = 1 skips the product's effect)
  (func (export "addScaled") (param $dst i32) (param $src i32) (param $d f32) (param $s f32) (param $n i32)
    (local $end i32) (local $vecEnd i32) (local $dv v128) (local $sv v128)
    (local.set $dv (f32x4.splat (local.get $d)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $dst) (local.get $vecEnd)))
      (v128.store (local.get $dst)
        (f32x4.add (v128.load (local.get $dst)) (f32x4.mul (f32x4.div (v128.load (local.get $src)) (local.get $dv)) (local.get $sv))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $vec)))
    (block $done (loop $tail
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst)
        (f32.add (f32.load (local.get $dst)) (f32.mul (f32.div (f32.load (local.get $src)) (local.get $d)) (local.get $s))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $tail))))

  ;; np.sum(x**2) for float32 x: squares rounded to float32, then numpy's pairwise sum (runs of at
  ;; most 128 summed with 8 interleaved accumulators = two f32x4, longer runs split in halves whose
  ;; first part is a multiple of 8).
  (func $sumOfSquares (export "sumOfSquares") (param $p i32) (param $n i32) (result f32)
    (local $res f32) (local $x f32) (local $lo v128) (local $hi v128) (local $q i32) (local $end i32) (local $half i32)
    (if (i32.lt_u (local.get $n) (i32.const 8)) (then
      (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
      (block $done (loop $scalar
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (f32.load (local.get $p)))
        (local.set $res (f32.add (local.get $res) (f32.mul (local.get $x) (local.get $x))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $scalar)))
      (return (local.get $res))))
    (if (i32.le_u (local.get $n) (i32.const 128)) (then
      (local.set $lo (v128.load (local.get $p)))
      (local.set $lo (f32x4.mul (local.get $lo) (local.get $lo)))
      (local.set $hi (v128.load offset=16 (local.get $p)))
      (local.set $hi (f32x4.mul (local.get $hi) (local.get $hi)))
      (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
      (local.set $q (i32.add (local.get $p) (i32.const 32)))
      (block $done (loop $vec
        (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
        (local.set $lo (f32x4.add (local.get $lo) (f32x4.mul (v128.load (local.get $q)) (v128.load (local.get $q)))))
        (local.set $hi (f32x4.add (local.get $hi) (f32x4.mul (v128.load offset=16 (local.get $q)) (v128.load offset=16 (local.get $q)))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $vec)))
      ;; ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
      (local.set $res (f32.add
        (f32.add (f32.add (f32x4.extract_lane 0 (local.get $lo)) (f32x4.extract_lane 1 (local.get $lo)))
                 (f32.add (f32x4.extract_lane 2 (local.get $lo)) (f32x4.extract_lane 3 (local.get $lo))))
        (f32.add (f32.add (f32x4.extract_lane 0 (local.get $hi)) (f32x4.extract_lane 1 (local.get $hi)))
                 (f32.add (f32x4.extract_lane 2 (local.get $hi)) (f32x4.extract_lane 3 (local.get $hi))))))
      (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
      (block $done (loop $scalar
        (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
        (local.set $x (f32.load (local.get $q)))
        (local.set $res (f32.add (local.get $res) (f32.mul (local.get $x) (local.get $x))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $scalar)))
      (return (local.get $res))))
    (local.set $half (i32.and (i32.shr_u (local.get $n) (i32.const 1)) (i32.const -8)))
    (f32.add (call $sumOfSquares (local.get $p) (local.get $half))
             (call $sumOfSquares (i32.add (local.get $p) (i32.shl (local.get $half) (i32.const 2))) (i32.sub (local.get $n) (local.get $half)))))

  ;; out[k] = float32 dot product of rows rowOf[first[k]] and colOf[second[k]] of the row-major
  ;; [*, dim] float32 matrix at $rows, for k < $n (int32 template indices mapped by the int32 tables
  ;; $rowOf / $colOf). Sixteen lanes of partial sums, then the tail.
  (func (export "dotPairs") (param $rows i32) (param $rowOf i32) (param $colOf i32) (param $first i32) (param $second i32) (param $out i32) (param $n i32) (param $dim i32)
    (local $a i32) (local $b i32) (local $vecEnd i32) (local $end i32) (local $rowBytes i32) (local $vecBytes i32) (local $outEnd i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $sum f32)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $vecBytes (i32.shl (i32.and (local.get $dim) (i32.const -16)) (i32.const 2)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
      (local.set $a (i32.add (local.get $rows) (i32.mul (i32.load (i32.add (local.get $rowOf) (i32.shl (i32.load (local.get $first)) (i32.const 2)))) (local.get $rowBytes))))
      (local.set $b (i32.add (local.get $rows) (i32.mul (i32.load (i32.add (local.get $colOf) (i32.shl (i32.load (local.get $second)) (i32.const 2)))) (local.get $rowBytes))))
      (local.set $vecEnd (i32.add (local.get $a) (local.get $vecBytes)))
      (local.set $end (i32.add (local.get $a) (local.get $rowBytes)))
      (local.set $s0 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0))
      (local.set $s3 (v128.const i32x4 0 0 0 0))
      (block $vecDone (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $a) (local.get $vecEnd)))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br $vec)))
      (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3))))
      (local.set $sum (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
        (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $tail)))
      (f32.store (local.get $out) (local.get $sum))
      (local.set $first (i32.add (local.get $first) (i32.const 4)))
      (local.set $second (i32.add (local.get $second) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $pairs))))
)
