;; facebench's SIMD kernels (WebAssembly 128-bit SIMD), compiled by scripts/build-wasm.mjs into
;; kernels-wasm.ts. Every float32 operation rounds as numpy's float32 arrays do (IEEE add, mul, div,
;; one rounding each), so the aggregation stays bit-identical to the reference scripts.
;; Pointers are byte offsets into the memory; lengths are element counts.
(module
  ;; Shared, so that a helper thread can run kernels on the same arrays (kernel-helper.ts).
  (import "env" "memory" (memory 1 65536 shared))

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
  ;; [*, dim] float32 matrix at $rows, for k < $n. first/second hold template indices of
  ;; $indexBytes (2: u16, 4: i32) bytes; the int32 tables $rowOf / $colOf map them to rows.
  ;; Sixteen lanes of partial sums, then the tail.
  (func (export "dotPairs") (param $rows i32) (param $rowOf i32) (param $colOf i32) (param $first i32) (param $second i32) (param $indexBytes i32) (param $out i32) (param $n i32) (param $dim i32)
    (local $a i32) (local $b i32) (local $vecEnd i32) (local $end i32) (local $rowBytes i32) (local $vecBytes i32) (local $outEnd i32)
    (local $ia i32) (local $ib i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $sum f32)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $vecBytes (i32.shl (i32.and (local.get $dim) (i32.const -16)) (i32.const 2)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
      (if (i32.eq (local.get $indexBytes) (i32.const 2))
        (then
          (local.set $ia (i32.load16_u (local.get $first)))
          (local.set $ib (i32.load16_u (local.get $second))))
        (else
          (local.set $ia (i32.load (local.get $first)))
          (local.set $ib (i32.load (local.get $second)))))
      (local.set $a (i32.add (local.get $rows) (i32.mul (i32.load (i32.add (local.get $rowOf) (i32.shl (local.get $ia) (i32.const 2)))) (local.get $rowBytes))))
      (local.set $b (i32.add (local.get $rows) (i32.mul (i32.load (i32.add (local.get $colOf) (i32.shl (local.get $ib) (i32.const 2)))) (local.get $rowBytes))))
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
      (local.set $first (i32.add (local.get $first) (local.get $indexBytes)))
      (local.set $second (i32.add (local.get $second) (local.get $indexBytes)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $pairs))))

  ;; Splits float32 scores by label (u8: 1 genuine): genuine scores are copied to $genuine in pair
  ;; order; impostor scores become sort keys at $keys (unsigned, ascending key = descending score:
  ;; a negative score keeps its bits, a positive one has its low 31 bits flipped) and are counted
  ;; in the three 11-bit digit histograms at $hist (3 × 2048 u32, zeroed by the caller).
  ;; Returns the number of genuine scores.
  (func (export "splitScores") (param $scores i32) (param $labels i32) (param $n i32) (param $genuine i32) (param $keys i32) (param $hist i32) (result i32)
    (local $end i32) (local $v i32) (local $g i32) (local $h i32)
    (local.set $end (i32.add (local.get $labels) (local.get $n)))
    (local.set $g (local.get $genuine))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $labels) (local.get $end)))
      (local.set $v (i32.load (local.get $scores)))
      (if (i32.load8_u (local.get $labels))
        (then
          (i32.store (local.get $g) (local.get $v))
          (local.set $g (i32.add (local.get $g) (i32.const 4))))
        (else
          (if (i32.eqz (i32.and (local.get $v) (i32.const 0x80000000)))
            (then (local.set $v (i32.xor (local.get $v) (i32.const 0x7fffffff)))))
          (i32.store (local.get $keys) (local.get $v))
          (local.set $keys (i32.add (local.get $keys) (i32.const 4)))
          (local.set $h (i32.add (local.get $hist) (i32.shl (i32.and (local.get $v) (i32.const 0x7ff)) (i32.const 2))))
          (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
          (local.set $h (i32.add (local.get $hist) (i32.shl (i32.add (i32.const 2048) (i32.and (i32.shr_u (local.get $v) (i32.const 11)) (i32.const 0x7ff))) (i32.const 2))))
          (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
          (local.set $h (i32.add (local.get $hist) (i32.shl (i32.add (i32.const 4096) (i32.shr_u (local.get $v) (i32.const 22))) (i32.const 2))))
          (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))))
      (local.set $scores (i32.add (local.get $scores) (i32.const 4)))
      (local.set $labels (i32.add (local.get $labels) (i32.const 1)))
      (br $each)))
    (i32.shr_u (i32.sub (local.get $g) (local.get $genuine)) (i32.const 2)))

  ;; LSD radix sort of the $n keys at $keys by the histograms of splitScores: three 11-bit passes
  ;; ($keys → $tmp → $keys → $tmp); the last pass turns the keys back into float32 bit patterns, so
  ;; $tmp ends holding the scores in descending order.
  (func (export "sortKeysDescending") (param $keys i32) (param $tmp i32) (param $n i32) (param $hist i32)
    (local $pass i32) (local $shift i32) (local $base i32) (local $d i32) (local $sum i32) (local $c i32)
    (local $src i32) (local $dst i32) (local $p i32) (local $end i32) (local $k i32) (local $slot i32) (local $swap i32)
    (local.set $src (local.get $keys))
    (local.set $dst (local.get $tmp))
    (block $passesDone (loop $passes
      (br_if $passesDone (i32.ge_u (local.get $pass) (i32.const 3)))
      (local.set $shift (i32.mul (local.get $pass) (i32.const 11)))
      (local.set $base (i32.add (local.get $hist) (i32.mul (local.get $pass) (i32.const 8192))))
      ;; exclusive prefix sums: counts → first positions
      (local.set $sum (i32.const 0))
      (local.set $d (i32.const 0))
      (block $prefixDone (loop $prefix
        (br_if $prefixDone (i32.ge_u (local.get $d) (i32.const 8192)))
        (local.set $c (i32.load (i32.add (local.get $base) (local.get $d))))
        (i32.store (i32.add (local.get $base) (local.get $d)) (local.get $sum))
        (local.set $sum (i32.add (local.get $sum) (local.get $c)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (br $prefix)))
      (local.set $p (local.get $src))
      (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
      (block $scatterDone (loop $scatter
        (br_if $scatterDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $k (i32.load (local.get $p)))
        (local.set $slot (i32.add (local.get $base) (i32.shl (i32.and (i32.shr_u (local.get $k) (local.get $shift)) (i32.const 0x7ff)) (i32.const 2))))
        (local.set $c (i32.load (local.get $slot)))
        (i32.store (local.get $slot) (i32.add (local.get $c) (i32.const 1)))
        (if (i32.eq (local.get $pass) (i32.const 2))
          (then (if (i32.eqz (i32.and (local.get $k) (i32.const 0x80000000)))
            (then (local.set $k (i32.xor (local.get $k) (i32.const 0x7fffffff)))))))
        (i32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))) (local.get $k))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $scatter)))
      (local.set $swap (local.get $src))
      (local.set $src (local.get $dst))
      (local.set $dst (local.get $swap))
      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br $passes))))

  ;; scikit-learn's roc_curve vertices from descending genuine ($g, $P) and impostor ($i, $N)
  ;; float32 scores: one vertex per distinct score, and with $drop its drop_intermediate rule (a
  ;; vertex whose true- and false-accept counts both have a zero second difference with its
  ;; neighbours goes). With $write, vertex k (from 1; 0 is the caller's (0, 0, +Inf)) is stored as
  ;; float64 true accepts, false accepts, threshold, FPR and TPR in the arrays at $tp … $tpr.
  ;; Returns the number of vertices including vertex 0, or -1 on a NaN score.
  (func (export "rocVertices") (param $g i32) (param $P i32) (param $i i32) (param $N i32) (param $drop i32) (param $write i32)
      (param $tp i32) (param $fp i32) (param $thr i32) (param $fpr i32) (param $tpr i32) (result i32)
    (local $gi i32) (local $ij i32) (local $gv f32) (local $iv f32) (local $t f32)
    (local $havePending i32) (local $pendTp i32) (local $pendFp i32) (local $pendThr f32)
    (local $havePrev i32) (local $prevTp i32) (local $prevFp i32) (local $count i32) (local $at i32)
    (local $negInf f32) (local $Nf f64) (local $Pf f64)
    (local.set $negInf (f32.const -inf))
    (local.set $Nf (f64.convert_i32_u (local.get $N)))
    (local.set $Pf (f64.convert_i32_u (local.get $P)))
    (local.set $count (i32.const 1))
    (block $done (loop $walk
      (br_if $done (i32.and (i32.ge_u (local.get $gi) (local.get $P)) (i32.ge_u (local.get $ij) (local.get $N))))
      (local.set $gv (if (result f32) (i32.lt_u (local.get $gi) (local.get $P))
        (then (f32.load (i32.add (local.get $g) (i32.shl (local.get $gi) (i32.const 2))))) (else (local.get $negInf))))
      (local.set $iv (if (result f32) (i32.lt_u (local.get $ij) (local.get $N))
        (then (f32.load (i32.add (local.get $i) (i32.shl (local.get $ij) (i32.const 2))))) (else (local.get $negInf))))
      (local.set $t (select (local.get $gv) (local.get $iv) (f32.gt (local.get $gv) (local.get $iv))))
      ;; A NaN score would never be consumed: report it instead of looping.
      (if (f32.ne (local.get $t) (local.get $t)) (then (return (i32.const -1))))
      (block $gDone (loop $gRun
        (br_if $gDone (i32.ge_u (local.get $gi) (local.get $P)))
        (br_if $gDone (f32.ne (f32.load (i32.add (local.get $g) (i32.shl (local.get $gi) (i32.const 2)))) (local.get $t)))
        (local.set $gi (i32.add (local.get $gi) (i32.const 1)))
        (br $gRun)))
      (block $iDone (loop $iRun
        (br_if $iDone (i32.ge_u (local.get $ij) (local.get $N)))
        (br_if $iDone (f32.ne (f32.load (i32.add (local.get $i) (i32.shl (local.get $ij) (i32.const 2)))) (local.get $t)))
        (local.set $ij (i32.add (local.get $ij) (i32.const 1)))
        (br $iRun)))
      (if (local.get $havePending) (then
        (if (i32.or (i32.or (i32.eqz (local.get $drop)) (i32.eqz (local.get $havePrev)))
                    (i32.or (i32.ne (i32.add (local.get $gi) (local.get $prevTp)) (i32.shl (local.get $pendTp) (i32.const 1)))
                            (i32.ne (i32.add (local.get $ij) (local.get $prevFp)) (i32.shl (local.get $pendFp) (i32.const 1)))))
          (then
            (if (local.get $write) (then
              (local.set $at (i32.shl (local.get $count) (i32.const 3)))
              (f64.store (i32.add (local.get $tp) (local.get $at)) (f64.convert_i32_u (local.get $pendTp)))
              (f64.store (i32.add (local.get $fp) (local.get $at)) (f64.convert_i32_u (local.get $pendFp)))
              (f64.store (i32.add (local.get $thr) (local.get $at)) (f64.promote_f32 (local.get $pendThr)))
              (f64.store (i32.add (local.get $fpr) (local.get $at)) (f64.div (f64.convert_i32_u (local.get $pendFp)) (local.get $Nf)))
              (f64.store (i32.add (local.get $tpr) (local.get $at)) (f64.div (f64.convert_i32_u (local.get $pendTp)) (local.get $Pf)))))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $prevTp (local.get $pendTp))
        (local.set $prevFp (local.get $pendFp))
        (local.set $havePrev (i32.const 1))))
      (local.set $pendTp (local.get $gi))
      (local.set $pendFp (local.get $ij))
      (local.set $pendThr (local.get $t))
      (local.set $havePending (i32.const 1))
      (br $walk)))
    (if (local.get $havePending) (then
      (if (local.get $write) (then
        (local.set $at (i32.shl (local.get $count) (i32.const 3)))
        (f64.store (i32.add (local.get $tp) (local.get $at)) (f64.convert_i32_u (local.get $pendTp)))
        (f64.store (i32.add (local.get $fp) (local.get $at)) (f64.convert_i32_u (local.get $pendFp)))
        (f64.store (i32.add (local.get $thr) (local.get $at)) (f64.promote_f32 (local.get $pendThr)))
        (f64.store (i32.add (local.get $fpr) (local.get $at)) (f64.div (f64.convert_i32_u (local.get $pendFp)) (local.get $Nf)))
        (f64.store (i32.add (local.get $tpr) (local.get $at)) (f64.div (f64.convert_i32_u (local.get $pendTp)) (local.get $Pf)))))
      (local.set $count (i32.add (local.get $count) (i32.const 1)))))
    (local.get $count))

  ;; Parses pair lines of exactly `<digits> <digits> <0|1>` (LF or CRLF; empty lines skipped) from
  ;; the $len bytes at $buf into first/second ($indexBytes each: 2 = u16, 4 = i32) and u8 labels,
  ;; starting at pair $at. Template ids (at most 9 digits) map to indices through the int32 table
  ;; $table of $tableLen entries (-1: unknown). Returns the number of pairs parsed, or -1 at the
  ;; first other line (the caller's general parser then names the error).
  (func (export "parsePairLines") (param $buf i32) (param $len i32) (param $table i32) (param $tableLen i32)
      (param $first i32) (param $second i32) (param $labels i32) (param $indexBytes i32) (param $at i32) (result i32)
    (local $p i32) (local $end i32) (local $c i32) (local $n i32) (local $id i32) (local $digits i32) (local $field i32)
    (local $a i32) (local $b i32) (local $label i32)
    (local.set $p (local.get $buf))
    (local.set $end (i32.add (local.get $buf) (local.get $len)))
    (local.set $n (local.get $at))
    (block $done (loop $lines
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x0a)) (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $lines)))
      ;; two ids, each followed by one space
      (local.set $field (i32.const 0))
      (loop $ids
        (local.set $id (i32.const 0))
        (local.set $digits (i32.const 0))
        (block $idDone (loop $idDigits
          (br_if $idDone (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 0x30)))
          (br_if $idDone (i32.gt_u (local.get $c) (i32.const 9)))
          (local.set $id (i32.add (i32.mul (local.get $id) (i32.const 10)) (local.get $c)))
          (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $idDigits)))
        (if (i32.or (i32.eqz (local.get $digits)) (i32.gt_u (local.get $digits) (i32.const 9))) (then (return (i32.const -1))))
        (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
        (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x20)) (then (return (i32.const -1))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.ge_u (local.get $id) (local.get $tableLen)) (then (return (i32.const -1))))
        (local.set $id (i32.load (i32.add (local.get $table) (i32.shl (local.get $id) (i32.const 2)))))
        (if (i32.lt_s (local.get $id) (i32.const 0)) (then (return (i32.const -1))))
        (if (i32.eqz (local.get $field))
          (then (local.set $a (local.get $id)))
          (else (local.set $b (local.get $id))))
        (local.set $field (i32.add (local.get $field) (i32.const 1)))
        (br_if $ids (i32.lt_u (local.get $field) (i32.const 2))))
      ;; the label, then CRLF, LF or the end
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
      (local.set $label (i32.sub (i32.load8_u (local.get $p)) (i32.const 0x30)))
      (if (i32.gt_u (local.get $label) (i32.const 1)) (then (return (i32.const -1))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x0d)) (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then
        (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x0a)) (then (return (i32.const -1))))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.eq (local.get $indexBytes) (i32.const 2))
        (then
          (i32.store16 (i32.add (local.get $first) (i32.shl (local.get $n) (i32.const 1))) (local.get $a))
          (i32.store16 (i32.add (local.get $second) (i32.shl (local.get $n) (i32.const 1))) (local.get $b)))
        (else
          (i32.store (i32.add (local.get $first) (i32.shl (local.get $n) (i32.const 2))) (local.get $a))
          (i32.store (i32.add (local.get $second) (i32.shl (local.get $n) (i32.const 2))) (local.get $b))))
      (i32.store8 (i32.add (local.get $labels) (local.get $n)) (local.get $label))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $lines)))
    (i32.sub (local.get $n) (local.get $at)))

  ;; One row segment of a 1:N search (scoring/gallery-search.ts): the n float32 scores at $p against
  ;; the mate score $m and the pool cutoff $cut. Writes at $out: the maximum (f32; -inf when n = 0),
  ;; then three i32 counts: scores >= $m, scores > $m, scores > $cut. A NaN $m counts nothing.
  (func (export "rowStats") (param $p i32) (param $n i32) (param $m f32) (param $cut f32) (param $out i32)
    (local $end i32) (local $vecEnd i32) (local $x v128) (local $mv v128) (local $cv v128)
    (local $vmax v128) (local $vge v128) (local $vgt v128) (local $vcut v128) (local $s f32) (local $max f32)
    (local $ge i32) (local $gt i32) (local $over i32)
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $cv (f32x4.splat (local.get $cut)))
    (local.set $vmax (f32x4.splat (f32.const -inf)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $p) (local.get $vecEnd)))
      (local.set $x (v128.load (local.get $p)))
      (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $x)))
      ;; a true comparison is -1 in every bit of its lane: subtracting it counts it
      (local.set $vge (i32x4.sub (local.get $vge) (f32x4.ge (local.get $x) (local.get $mv))))
      (local.set $vgt (i32x4.sub (local.get $vgt) (f32x4.gt (local.get $x) (local.get $mv))))
      (local.set $vcut (i32x4.sub (local.get $vcut) (f32x4.gt (local.get $x) (local.get $cv))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $vec)))
    (local.set $max (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax)))
                             (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
    (local.set $ge (i32.add (i32.add (i32x4.extract_lane 0 (local.get $vge)) (i32x4.extract_lane 1 (local.get $vge)))
                            (i32.add (i32x4.extract_lane 2 (local.get $vge)) (i32x4.extract_lane 3 (local.get $vge)))))
    (local.set $gt (i32.add (i32.add (i32x4.extract_lane 0 (local.get $vgt)) (i32x4.extract_lane 1 (local.get $vgt)))
                            (i32.add (i32x4.extract_lane 2 (local.get $vgt)) (i32x4.extract_lane 3 (local.get $vgt)))))
    (local.set $over (i32.add (i32.add (i32x4.extract_lane 0 (local.get $vcut)) (i32x4.extract_lane 1 (local.get $vcut)))
                              (i32.add (i32x4.extract_lane 2 (local.get $vcut)) (i32x4.extract_lane 3 (local.get $vcut)))))
    (block $done (loop $tail
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $s (f32.load (local.get $p)))
      (local.set $max (f32.max (local.get $max) (local.get $s)))
      (local.set $ge (i32.add (local.get $ge) (f32.ge (local.get $s) (local.get $m))))
      (local.set $gt (i32.add (local.get $gt) (f32.gt (local.get $s) (local.get $m))))
      (local.set $over (i32.add (local.get $over) (f32.gt (local.get $s) (local.get $cut))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $tail)))
    (f32.store (local.get $out) (local.get $max))
    (i32.store offset=4 (local.get $out) (local.get $ge))
    (i32.store offset=8 (local.get $out) (local.get $gt))
    (i32.store offset=12 (local.get $out) (local.get $over)))

  ;; sklearn's normalize of one float32 row into float64 ($dstF64 = 1) or float32 (0) at $dst:
  ;; v / sqrt(sum of v² accumulated in float64 in order), a zero row left zero. Returns 1 when the
  ;; row holds a NaN or an infinity (nothing useful is written then), else 0.
  (func (export "normaliseRow") (param $src i32) (param $dst i32) (param $n i32) (param $dstF64 i32) (result i32)
    (local $p i32) (local $end i32) (local $v f64) (local $ss f64) (local $norm f64) (local $q i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $p (local.get $src))
    (block $done (loop $sum
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (f64.promote_f32 (f32.load (local.get $p))))
      (if (f64.ne (f64.sub (local.get $v) (local.get $v)) (f64.const 0)) (then (return (i32.const 1))))
      (local.set $ss (f64.add (local.get $ss) (f64.mul (local.get $v) (local.get $v))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $sum)))
    (local.set $norm (f64.sqrt (local.get $ss)))
    (if (f64.eq (local.get $norm) (f64.const 0)) (then (local.set $norm (f64.const 1))))
    (local.set $p (local.get $src))
    (local.set $q (local.get $dst))
    (block $done (loop $divide
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (f64.div (f64.promote_f32 (f32.load (local.get $p))) (local.get $norm)))
      (if (local.get $dstF64)
        (then
          (f64.store (local.get $q) (local.get $v))
          (local.set $q (i32.add (local.get $q) (i32.const 8))))
        (else
          (f32.store (local.get $q) (f32.demote_f64 (local.get $v)))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $divide)))
    (i32.const 0))
)
