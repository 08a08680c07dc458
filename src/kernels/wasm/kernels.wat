;; The float64 WebAssembly SIMD kernels of the 'float64-wasm' backend (src/kernels/wasm-backend.ts).
;;
;; xty: Xᵀ·Y, the one heavy product (the backend brings every product to this form):
;;   out[r, k] = Σ_u x[u, r] · y[u, k]     r < p, k < q, u < n
;; p and q are multiples of 4 (callers pad with zeros); out is row-major with leading dimension ldo.
;; Element (u, j) of x sits at byte (j>>2)·xpanel + u·xrow + (j&3)·8 (likewise y): xrow = 8·ld and
;; xpanel = 32 for a row-major x, or xrow = 32 and xpanel = 32·n for x packed in panels (Goto and
;; van de Geijn 2008: columns 4j..4j+3 as panel j, n rows of 4 contiguous values), which the
;; micro-kernel reads contiguously. A 4×4 block of out is held in eight f64x2 accumulators while u runs over a chunk of
;; KC = 128 rows; the chunks go in order (the block is reloaded from out for the next one), so an X
;; chunk stays in L1 while every block of its row is done, and sums run over u in order: the result
;; depends on nothing but the data. With sym ≠ 0 only blocks with k ≥ r are computed (the caller
;; mirrors the rest).
;; gather, moments and projections (below) write xty's operands, row-major, for weighted sums over
;; the units with non-zero weight. Rebuild kernels-wasm.ts after an edit: npm run build:wasm (a test
;; checks that the two agree).
(module
  (memory (export "memory") 1)
  (func (export "xty")
    (param $x i32) (param $y i32) (param $out i32) (param $n i32) (param $p i32) (param $q i32)
    (param $xrow i32) (param $xpanel i32) (param $yrow i32) (param $ypanel i32) (param $ldo i32) (param $sym i32)
    (local $u0 i32) (local $cn i32) (local $r i32) (local $k i32) (local $u i32) (local $xp i32) (local $yp i32) (local $op i32)
    (local $so i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $y0 v128) (local $y1 v128) (local $t v128)
    (local.set $so (i32.shl (local.get $ldo) (i32.const 3)))
    (block $cdone
      (loop $cloop
        (br_if $cdone (i32.ge_u (local.get $u0) (local.get $n)))
        (local.set $cn (i32.sub (local.get $n) (local.get $u0)))
        (if (i32.gt_u (local.get $cn) (i32.const 128)) (then (local.set $cn (i32.const 128))))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rloop
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $p)))
            (local.set $k (select (local.get $r) (i32.const 0) (local.get $sym)))
            (block $kdone
              (loop $kloop
                (br_if $kdone (i32.ge_u (local.get $k) (local.get $q)))
                (local.set $op (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldo)) (local.get $k)) (i32.const 3))))
                (if (i32.eqz (local.get $u0))
                  (then
                    (local.set $a00 (v128.const i64x2 0 0))
                    (local.set $a01 (v128.const i64x2 0 0))
                    (local.set $a10 (v128.const i64x2 0 0))
                    (local.set $a11 (v128.const i64x2 0 0))
                    (local.set $a20 (v128.const i64x2 0 0))
                    (local.set $a21 (v128.const i64x2 0 0))
                    (local.set $a30 (v128.const i64x2 0 0))
                    (local.set $a31 (v128.const i64x2 0 0))
                  )
                  (else
                    (local.set $a00 (v128.load (local.get $op)))
                    (local.set $a01 (v128.load offset=16 (local.get $op)))
                    (local.set $a10 (v128.load (i32.add (local.get $op) (i32.mul (local.get $so) (i32.const 1)))))
                    (local.set $a11 (v128.load offset=16 (i32.add (local.get $op) (i32.mul (local.get $so) (i32.const 1)))))
                    (local.set $a20 (v128.load (i32.add (local.get $op) (i32.mul (local.get $so) (i32.const 2)))))
                    (local.set $a21 (v128.load offset=16 (i32.add (local.get $op) (i32.mul (local.get $so) (i32.const 2)))))
                    (local.set $a30 (v128.load (i32.add (local.get $op) (i32.mul (local.get $so) (i32.const 3)))))
                    (local.set $a31 (v128.load offset=16 (i32.add (local.get $op) (i32.mul (local.get $so) (i32.const 3)))))
                  ))
                ;; panel r/4 of x and panel k/4 of y, from row u0
                (local.set $xp (i32.add (i32.add (local.get $x) (i32.mul (i32.shr_u (local.get $r) (i32.const 2)) (local.get $xpanel))) (i32.mul (local.get $u0) (local.get $xrow))))
                (local.set $yp (i32.add (i32.add (local.get $y) (i32.mul (i32.shr_u (local.get $k) (i32.const 2)) (local.get $ypanel))) (i32.mul (local.get $u0) (local.get $yrow))))
                (local.set $u (local.get $cn))
                (loop $uloop
                  (local.set $y0 (v128.load (local.get $yp)))
                  (local.set $y1 (v128.load offset=16 (local.get $yp)))
                  (local.set $t (f64x2.splat (f64.load offset=0 (local.get $xp))))
                  (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $t) (local.get $y0))))
                  (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $t) (local.get $y1))))
                  (local.set $t (f64x2.splat (f64.load offset=8 (local.get $xp))))
                  (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $t) (local.get $y0))))
                  (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $t) (local.get $y1))))
                  (local.set $t (f64x2.splat (f64.load offset=16 (local.get $xp))))
                  (local.set $a20 (f64x2.add (local.get $a20) (f64x2.mul (local.get $t) (local.get $y0))))
                  (local.set $a21 (f64x2.add (local.get $a21) (f64x2.mul (local.get $t) (local.get $y1))))
                  (local.set $t (f64x2.splat (f64.load offset=24 (local.get $xp))))
                  (local.set $a30 (f64x2.add (local.get $a30) (f64x2.mul (local.get $t) (local.get $y0))))
                  (local.set $a31 (f64x2.add (local.get $a31) (f64x2.mul (local.get $t) (local.get $y1))))
                  (local.set $xp (i32.add (local.get $xp) (local.get $xrow)))
                  (local.set $yp (i32.add (local.get $yp) (local.get $yrow)))
                  (br_if $uloop (local.tee $u (i32.sub (local.get $u) (i32.const 1)))))
                (v128.store (local.get $op) (local.get $a00))
                (v128.store offset=16 (local.get $op) (local.get $a01))
                (local.set $op (i32.add (local.get $op) (local.get $so)))
                (v128.store (local.get $op) (local.get $a10))
                (v128.store offset=16 (local.get $op) (local.get $a11))
                (local.set $op (i32.add (local.get $op) (local.get $so)))
                (v128.store (local.get $op) (local.get $a20))
                (v128.store offset=16 (local.get $op) (local.get $a21))
                (local.set $op (i32.add (local.get $op) (local.get $so)))
                (v128.store (local.get $op) (local.get $a30))
                (v128.store offset=16 (local.get $op) (local.get $a31))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $kloop)))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $rloop)))
        (local.set $u0 (i32.add (local.get $u0) (local.get $cn)))
        (br $cloop))))

  ;; Below, outputs are row-major: row m starts `row` bytes after row m − 1, its columns padded with
  ;; zeros to a multiple of 4.

  ;; Rows of src (n rows of p values) whose weight w[i] is non-zero, each multiplied by w[i] when
  ;; scale ≠ 0, written as consecutive rows of dst; returns how many rows were written.
  (func (export "gather")
    (param $src i32) (param $w i32) (param $n i32) (param $p i32) (param $dst i32) (param $rowbytes i32) (param $scale i32)
    (result i32)
    (local $i i32) (local $m i32) (local $j i32) (local $s i32) (local $row i32) (local $p4 i32)
    (local $wi f64) (local $f f64)
    (local.set $p4 (i32.and (i32.add (local.get $p) (i32.const 3)) (i32.const -4)))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.ne (local.get $wi) (f64.const 0))
          (then
            (local.set $f (select (local.get $wi) (f64.const 1) (local.get $scale)))
            (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $p)) (i32.const 3))))
            (local.set $row (i32.add (local.get $dst) (i32.mul (local.get $m) (local.get $rowbytes))))
            (local.set $j (i32.const 0))
            (block $jdone
              (loop $jloop
                (br_if $jdone (i32.ge_u (local.get $j) (local.get $p4)))
                (f64.store
                  (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))
                  (if (result f64) (i32.lt_u (local.get $j) (local.get $p))
                    (then (f64.mul (local.get $f) (f64.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 3))))))
                    (else (f64.const 0))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jloop)))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
    (local.get $m))

  ;; One unit's moment row: g = Σ_p c[p]·B[p,·] (B: the unit's P×L block at byte bi, rows L apart)
  ;; written from byte g, and wi·g from byte x, padded with zeros to a multiple of 4 values. Four
  ;; moments at a time; the sum over p runs in order, from p = 0.
  (func $momentRow
    (param $bi i32) (param $c i32) (param $L i32) (param $P i32) (param $wi f64) (param $g i32) (param $x i32)
    (local $l i32) (local $p i32) (local $src i32) (local $rowstride i32) (local $cp v128) (local $ww v128)
    (local $acc0 v128) (local $acc1 v128) (local $s f64) (local $at i32) (local $L4 i32)
    (local.set $rowstride (i32.shl (local.get $L) (i32.const 3)))
    (local.set $ww (f64x2.splat (local.get $wi)))
    (local.set $L4 (i32.and (i32.add (local.get $L) (i32.const 3)) (i32.const -4)))
    (block $ldone
      (loop $lloop
        (br_if $ldone (i32.gt_u (i32.add (local.get $l) (i32.const 4)) (local.get $L)))
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $src (i32.add (local.get $bi) (i32.shl (local.get $l) (i32.const 3))))
        (local.set $p (i32.const 0))
        (block $pdone
          (loop $ploop
            (br_if $pdone (i32.ge_u (local.get $p) (local.get $P)))
            (local.set $cp (f64x2.splat (f64.load (i32.add (local.get $c) (i32.shl (local.get $p) (i32.const 3))))))
            (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $cp) (v128.load (local.get $src)))))
            (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $cp) (v128.load offset=16 (local.get $src)))))
            (local.set $src (i32.add (local.get $src) (local.get $rowstride)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $ploop)))
        (local.set $at (i32.shl (local.get $l) (i32.const 3)))
        (v128.store (i32.add (local.get $g) (local.get $at)) (local.get $acc0))
        (v128.store offset=16 (i32.add (local.get $g) (local.get $at)) (local.get $acc1))
        (v128.store (i32.add (local.get $x) (local.get $at)) (f64x2.mul (local.get $ww) (local.get $acc0)))
        (v128.store offset=16 (i32.add (local.get $x) (local.get $at)) (f64x2.mul (local.get $ww) (local.get $acc1)))
        (local.set $l (i32.add (local.get $l) (i32.const 4)))
        (br $lloop)))
    ;; the last L mod 4 moments one by one, then zeros up to a multiple of 4
    (block $tdone
      (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $l) (local.get $L4)))
        (local.set $s (f64.const 0))
        (if (i32.lt_u (local.get $l) (local.get $L))
          (then
            (local.set $src (i32.add (local.get $bi) (i32.shl (local.get $l) (i32.const 3))))
            (local.set $p (i32.const 0))
            (block $qdone
              (loop $qloop
                (br_if $qdone (i32.ge_u (local.get $p) (local.get $P)))
                (local.set $s (f64.add (local.get $s)
                  (f64.mul (f64.load (i32.add (local.get $c) (i32.shl (local.get $p) (i32.const 3)))) (f64.load (local.get $src)))))
                (local.set $src (i32.add (local.get $src) (local.get $rowstride)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $qloop)))))
        (local.set $at (i32.shl (local.get $l) (i32.const 3)))
        (f64.store (i32.add (local.get $g) (local.get $at)) (local.get $s))
        (f64.store (i32.add (local.get $x) (local.get $at)) (f64.mul (local.get $wi) (local.get $s)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $tloop))))

  ;; Per-unit moments of the units with non-zero weight: g_i = Σ_p c[p]·blocks[i,p,·] (L values; blocks
  ;; n×P×L) as row m of g, and w_i·g_i as row m of x, m counting the units written; returns m.
  (func (export "moments")
    (param $blocks i32) (param $c i32) (param $w i32) (param $n i32) (param $L i32) (param $P i32)
    (param $x i32) (param $g i32) (param $rowbytes i32)
    (result i32)
    (local $i i32) (local $m i32) (local $wi f64) (local $unit i32)
    (local.set $unit (i32.shl (i32.mul (local.get $P) (local.get $L)) (i32.const 3)))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.ne (local.get $wi) (f64.const 0))
          (then
            (call $momentRow (i32.add (local.get $blocks) (i32.mul (local.get $i) (local.get $unit))) (local.get $c) (local.get $L) (local.get $P) (local.get $wi)
              (i32.add (local.get $g) (i32.mul (local.get $m) (local.get $rowbytes))) (i32.add (local.get $x) (i32.mul (local.get $m) (local.get $rowbytes))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
    (local.get $m))

  ;; For the units with non-zero weight, in one pass over each block: the moment rows of `moments`
  ;; (g and x = w·g as row k, rows rowbytes apart) and the projections m_i = blocks[i]·a (P values)
  ;; as row k of mout (rows mrow apart), k counting the units written; and for every
  ;; unit scores[i] = w_i·Σ_p c[p] m_i[p] (zero where w_i = 0). Returns k.
  (func (export "projections")
    (param $blocks i32) (param $a i32) (param $c i32) (param $w i32) (param $n i32) (param $L i32) (param $P i32)
    (param $x i32) (param $g i32) (param $rowbytes i32) (param $mout i32) (param $mrow i32)
    (param $scores i32)
    (result i32)
    (local $i i32) (local $k i32) (local $p i32) (local $l i32) (local $wi f64) (local $dot f64) (local $score f64)
    (local $bi i32) (local $row i32) (local $rowstride i32) (local $unit i32) (local $P4 i32) (local $acc v128)
    (local.set $rowstride (i32.shl (local.get $L) (i32.const 3)))
    (local.set $unit (i32.mul (local.get $P) (local.get $rowstride)))
    (local.set $P4 (i32.and (i32.add (local.get $P) (i32.const 3)) (i32.const -4)))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $score (f64.const 0))
        (if (f64.ne (local.get $wi) (f64.const 0))
          (then
            (local.set $bi (i32.add (local.get $blocks) (i32.mul (local.get $i) (local.get $unit))))
            (call $momentRow (local.get $bi) (local.get $c) (local.get $L) (local.get $P) (local.get $wi)
              (i32.add (local.get $g) (i32.mul (local.get $k) (local.get $rowbytes))) (i32.add (local.get $x) (i32.mul (local.get $k) (local.get $rowbytes))))
            (local.set $row (local.get $bi))
            (local.set $p (i32.const 0))
            (block $pdone
              (loop $ploop
                (br_if $pdone (i32.ge_u (local.get $p) (local.get $P4)))
                (local.set $dot (f64.const 0))
                (if (i32.lt_u (local.get $p) (local.get $P))
                  (then
                    (local.set $acc (v128.const i64x2 0 0))
                    (local.set $l (i32.const 0))
                    (block $ldone
                      (loop $lloop
                        (br_if $ldone (i32.gt_u (i32.add (local.get $l) (i32.const 2)) (local.get $L)))
                        (local.set $acc (f64x2.add (local.get $acc)
                          (f64x2.mul (v128.load (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 3))))
                                     (v128.load (i32.add (local.get $a) (i32.shl (local.get $l) (i32.const 3)))))))
                        (local.set $l (i32.add (local.get $l) (i32.const 2)))
                        (br $lloop)))
                    (local.set $dot (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
                    (if (i32.lt_u (local.get $l) (local.get $L))
                      (then
                        (local.set $dot (f64.add (local.get $dot)
                          (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 3))))
                                   (f64.load (i32.add (local.get $a) (i32.shl (local.get $l) (i32.const 3)))))))))
                    (local.set $score (f64.add (local.get $score)
                      (f64.mul (f64.load (i32.add (local.get $c) (i32.shl (local.get $p) (i32.const 3)))) (local.get $dot))))
                    (local.set $row (i32.add (local.get $row) (local.get $rowstride)))))
                (f64.store
                  (i32.add (i32.add (local.get $mout) (i32.mul (local.get $k) (local.get $mrow)))
                           (i32.shl (local.get $p) (i32.const 3)))
                  (local.get $dot))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ploop)))
            (local.set $score (f64.mul (local.get $wi) (local.get $score)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (f64.store (i32.add (local.get $scores) (i32.shl (local.get $i) (i32.const 3))) (local.get $score))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
    (local.get $k))
;; dot: Σ_{p<len} x[p]·y[p] in four partial sums s0..s3 (s_t takes the terms p ≡ t mod 4, the tail
  ;; goes to s0), returned as (s0 + s1) + (s2 + s3): the order of linalg/dense.ts's dot, so the result
  ;; is the same number. The pairs (s0, s1) and (s2, s3) are two f64x2 lanes each.
  (func $dot (param $x i32) (param $y i32) (param $len i32) (result f64)
    (local $p i32) (local $a v128) (local $b v128) (local $s0 f64)
    (block $done
      (loop $loop
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $len)))
        (local.set $a (f64x2.add (local.get $a)
          (f64x2.mul (v128.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3))))
                     (v128.load (i32.add (local.get $y) (i32.shl (local.get $p) (i32.const 3)))))))
        (local.set $b (f64x2.add (local.get $b)
          (f64x2.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3))))
                     (v128.load offset=16 (i32.add (local.get $y) (i32.shl (local.get $p) (i32.const 3)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $loop)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $a)))
    (block $tdone
      (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $p) (local.get $len)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3))))
                   (f64.load (i32.add (local.get $y) (i32.shl (local.get $p) (i32.const 3)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tloop)))
    (f64.add (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $a)))
             (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))))

  ;; factor: linalg/weight-factor.ts's factorWeight, operation for operation (the same numbers): an
  ;; in-order Cholesky of D M D (D = diag(M)^−½) for the symmetric L×L matrix at m (lower triangle
  ;; read) that drops column j when M_jj ≤ 0 or its pivot is at most tol. Row r of the factor (stride
  ;; L, at chol) holds C[r, 0..r] for the r-th kept column, kept[r] (i32) its index and scale[r] its
  ;; D entry; dropped[j] (a byte) is 1 for a dropped column. Returns the number kept.
  (func (export "factor")
    (param $m i32) (param $L i32) (param $tol f64) (param $chol i32) (param $kept i32) (param $scale i32) (param $dropped i32)
    (result i32)
    (local $j i32) (local $q i32) (local $r i32) (local $rowb i32) (local $cqb i32) (local $stride i32) (local $mrow i32)
    (local $ajj f64) (local $dj f64) (local $d f64)
    (local.set $stride (i32.shl (local.get $L) (i32.const 3)))
    (block $jdone
      (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $L)))
        (local.set $mrow (i32.add (local.get $m) (i32.mul (local.get $j) (local.get $stride))))
        (local.set $ajj (f64.load (i32.add (local.get $mrow) (i32.shl (local.get $j) (i32.const 3)))))
        (i32.store8 (i32.add (local.get $dropped) (local.get $j)) (i32.const 1))
        (if (f64.gt (local.get $ajj) (f64.const 0))
          (then
            (local.set $dj (f64.div (f64.const 1) (f64.sqrt (local.get $ajj))))
            (local.set $rowb (i32.add (local.get $chol) (i32.mul (local.get $r) (local.get $stride))))
            (local.set $q (i32.const 0))
            (block $qdone
              (loop $qloop
                (br_if $qdone (i32.ge_u (local.get $q) (local.get $r)))
                (local.set $cqb (i32.add (local.get $chol) (i32.mul (local.get $q) (local.get $stride))))
                ;; C[r, q] = (M[j, kept[q]]·dj·scale[q] − Σ_{p<q} C[r, p]·C[q, p]) / C[q, q]
                (f64.store (i32.add (local.get $rowb) (i32.shl (local.get $q) (i32.const 3)))
                  (f64.div
                    (f64.sub
                      (f64.mul
                        (f64.mul
                          (f64.load (i32.add (local.get $mrow) (i32.shl (i32.load (i32.add (local.get $kept) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 3))))
                          (local.get $dj))
                        (f64.load (i32.add (local.get $scale) (i32.shl (local.get $q) (i32.const 3)))))
                      (call $dot (local.get $rowb) (local.get $cqb) (local.get $q)))
                    (f64.load (i32.add (local.get $cqb) (i32.shl (local.get $q) (i32.const 3))))))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qloop)))
            (local.set $d (f64.sub (f64.const 1) (call $dot (local.get $rowb) (local.get $rowb) (local.get $r))))
            (if (f64.gt (local.get $d) (local.get $tol))
              (then
                (f64.store (i32.add (local.get $rowb) (i32.shl (local.get $r) (i32.const 3))) (f64.sqrt (local.get $d)))
                (i32.store (i32.add (local.get $kept) (i32.shl (local.get $r) (i32.const 2))) (local.get $j))
                (f64.store (i32.add (local.get $scale) (i32.shl (local.get $r) (i32.const 3))) (local.get $dj))
                (i32.store8 (i32.add (local.get $dropped) (local.get $j)) (i32.const 0))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jloop)))
    (local.get $r))
;; matmul: linalg/dense.ts's matmulLoop, the same scalar operations in the same order. C (m×n) =
  ;; op(A)·op(B) over k: without transB, c[i, ·] += a_ip·b[p, ·] for p in order, a_ip = 0 skipped (c
  ;; zeroed here); with it, c[i, j] = Σ_p a_ip·b[j, p] left to right. op(A)[i, p] = a[p, i] with transA.
  (func (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32) (param $transA i32) (param $transB i32)
    (local $i i32) (local $p i32) (local $j i32) (local $aip f64) (local $s f64) (local $crow i32) (local $brow i32) (local $at i32)
    (if (i32.eqz (local.get $transB))
      (then
        (memory.fill (local.get $c) (i32.const 0) (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 3)))
        (block $idone
          (loop $iloop
            (br_if $idone (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $crow (i32.add (local.get $c) (i32.shl (i32.mul (local.get $i) (local.get $n)) (i32.const 3))))
            (local.set $p (i32.const 0))
            (block $pdone
              (loop $ploop
                (br_if $pdone (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $aip (f64.load (i32.add (local.get $a) (i32.shl
                  (select (i32.add (i32.mul (local.get $p) (local.get $m)) (local.get $i)) (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $p)) (local.get $transA))
                  (i32.const 3)))))
                (if (f64.ne (local.get $aip) (f64.const 0))
                  (then
                    (local.set $brow (i32.add (local.get $b) (i32.shl (i32.mul (local.get $p) (local.get $n)) (i32.const 3))))
                    (local.set $j (i32.const 0))
                    (block $jdone
                      (loop $jloop
                        (br_if $jdone (i32.ge_u (local.get $j) (local.get $n)))
                        (local.set $at (i32.add (local.get $crow) (i32.shl (local.get $j) (i32.const 3))))
                        (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                          (f64.mul (local.get $aip) (f64.load (i32.add (local.get $brow) (i32.shl (local.get $j) (i32.const 3)))))))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br $jloop)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ploop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iloop))))
      (else
        (block $i2done
          (loop $i2loop
            (br_if $i2done (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $j (i32.const 0))
            (block $j2done
              (loop $j2loop
                (br_if $j2done (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $s (f64.const 0))
                (local.set $brow (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $k)) (i32.const 3))))
                (local.set $p (i32.const 0))
                (block $p2done
                  (loop $p2loop
                    (br_if $p2done (i32.ge_u (local.get $p) (local.get $k)))
                    (local.set $s (f64.add (local.get $s) (f64.mul
                      (f64.load (i32.add (local.get $a) (i32.shl
                        (select (i32.add (i32.mul (local.get $p) (local.get $m)) (local.get $i)) (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $p)) (local.get $transA))
                        (i32.const 3))))
                      (f64.load (i32.add (local.get $brow) (i32.shl (local.get $p) (i32.const 3)))))))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $p2loop)))
                (f64.store (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))) (local.get $s))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $j2loop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $i2loop))))))

  ;; The GMM step's dense solves (src/linalg/weight-factor.ts): whiten, unwhiten and lstsq are
  ;; whitenLoop, applyWhitenedLoop and leastSquaresLoop there, with the same scalar operations in the
  ;; same order (sums left to right, no fused multiply-add), so the same numbers (but for the sign bit
  ;; of a NaN from two NaN operands, which V8's compiled JavaScript may order otherwise). They run once or a
  ;; few times per fit; in JavaScript, before V8 has compiled them, every double they touch is a new
  ;; heap number. Byte addresses; matrices row-major.

  ;; whiten: out (r×q) = C⁻¹ D B: out[i, c] = (b[kept[i], c]·scale[i] − Σ_{p<i} chol[i, p]·out[p, c]) / chol[i, i].
  (func (export "whiten") (param $b i32) (param $q i32) (param $r i32) (param $kept i32) (param $scale i32) (param $chol i32) (param $out i32)
    (local $i i32) (local $c i32) (local $p i32) (local $src i32) (local $crow i32) (local $s f64)
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $r)))
        (local.set $src (i32.add (local.get $b) (i32.shl (i32.mul (i32.load (i32.add (local.get $kept) (i32.shl (local.get $i) (i32.const 2)))) (local.get $q)) (i32.const 3))))
        (local.set $crow (i32.add (local.get $chol) (i32.shl (i32.mul (local.get $i) (local.get $r)) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $q)))
            (local.set $s (f64.mul (f64.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 3))))
                                   (f64.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 3))))))
            (local.set $p (i32.const 0))
            (block $pdone
              (loop $ploop
                (br_if $pdone (i32.ge_u (local.get $p) (local.get $i)))
                (local.set $s (f64.sub (local.get $s)
                  (f64.mul (f64.load (i32.add (local.get $crow) (i32.shl (local.get $p) (i32.const 3))))
                           (f64.load (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $q)) (local.get $c)) (i32.const 3)))))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ploop)))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $q)) (local.get $c)) (i32.const 3)))
              (f64.div (local.get $s) (f64.load (i32.add (local.get $crow) (i32.shl (local.get $i) (i32.const 3))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop))))

  ;; unwhiten: y (r×q, in place) = C⁻ᵀ y by back substitution, rows r−1 … 0, each column in turn,
  ;; zero factor entries skipped; then out (L×q, zeroed here) [kept[i], c] = y[i, c]·scale[i].
  (func (export "unwhiten") (param $y i32) (param $q i32) (param $r i32) (param $L i32) (param $kept i32) (param $scale i32) (param $chol i32) (param $out i32)
    (local $i i32) (local $c i32) (local $p i32) (local $crow i32) (local $at i32) (local $cii f64) (local $yi f64) (local $l f64) (local $dst i32)
    (local.set $i (local.get $r))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (local.set $crow (i32.add (local.get $chol) (i32.shl (i32.mul (local.get $i) (local.get $r)) (i32.const 3))))
        (local.set $cii (f64.load (i32.add (local.get $crow) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $q)))
            (local.set $at (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $q)) (local.get $c)) (i32.const 3))))
            (local.set $yi (f64.div (f64.load (local.get $at)) (local.get $cii)))
            (f64.store (local.get $at) (local.get $yi))
            (local.set $p (i32.const 0))
            (block $pdone
              (loop $ploop
                (br_if $pdone (i32.ge_u (local.get $p) (local.get $i)))
                (local.set $l (f64.load (i32.add (local.get $crow) (i32.shl (local.get $p) (i32.const 3)))))
                (if (f64.ne (local.get $l) (f64.const 0))
                  (then
                    (local.set $at (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $q)) (local.get $c)) (i32.const 3))))
                    (f64.store (local.get $at) (f64.sub (f64.load (local.get $at)) (f64.mul (local.get $l) (local.get $yi))))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ploop)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cloop)))
        (br $iloop)))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (i32.mul (local.get $L) (local.get $q)) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $odone
      (loop $oloop
        (br_if $odone (i32.ge_u (local.get $i) (local.get $r)))
        (local.set $dst (i32.add (local.get $out) (i32.shl (i32.mul (i32.load (i32.add (local.get $kept) (i32.shl (local.get $i) (i32.const 2)))) (local.get $q)) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $c2done
          (loop $c2loop
            (br_if $c2done (i32.ge_u (local.get $c) (local.get $q)))
            (f64.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 3)))
              (f64.mul (f64.load (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $q)) (local.get $c)) (i32.const 3))))
                       (f64.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 3))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c2loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $oloop))))

  ;; $colsq: Σ_{i=from}^{m−1} a[i, j]², left to right (a: m×K at byte address $a).
  (func $colsq (param $a i32) (param $K i32) (param $j i32) (param $from i32) (param $m i32) (result f64)
    (local $s f64) (local $x f64) (local $at i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $K) (i32.const 3)))
    (local.set $at (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $from) (local.get $K)) (local.get $j)) (i32.const 3))))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $from) (local.get $m)))
        (local.set $x (f64.load (local.get $at)))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $x) (local.get $x))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $loop)))
    (local.get $s))

  ;; $reflect: apply H = I − 2vvᵀ/vv to a column of len values `stride` bytes apart at $x:
  ;; s = Σ v[i]·x[i], f = (2·s)/vv, x[i] −= f·v[i].
  (func $reflect (param $v i32) (param $len i32) (param $vv f64) (param $x i32) (param $stride i32)
    (local $i i32) (local $s f64) (local $f f64) (local $at i32)
    (local.set $at (local.get $x))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))) (f64.load (local.get $at)))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sloop)))
    (local.set $f (f64.div (f64.mul (f64.const 2) (local.get $s)) (local.get $vv)))
    (local.set $i (i32.const 0))
    (local.set $at (local.get $x))
    (block $udone
      (loop $uloop
        (br_if $udone (i32.ge_u (local.get $i) (local.get $len)))
        (f64.store (local.get $at) (f64.sub (f64.load (local.get $at)) (f64.mul (local.get $f) (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $uloop))))

  ;; lstsq: min ‖ỹ − X̃β‖ by Householder QR in column order, a column dropped when its remaining norm² is
  ;; at most tol times its norm² (leastSquaresLoop). a (m×K) and rhs (m) are overwritten; scratch: norm2
  ;; (K), the reflectors (reflector r at vs + 8rm, m − r values), vvs (K), kept (K i32), rinv (r×r),
  ;; q1 (m×r); out: beta (K), v (K×K), pinv (K×m), zeroed here. Returns r, the columns kept.
  (func (export "lstsq")
    (param $a i32) (param $rhs i32) (param $m i32) (param $K i32) (param $tol f64)
    (param $norm2 i32) (param $vs i32) (param $vvs i32) (param $kept i32) (param $rinv i32) (param $q1 i32)
    (param $beta i32) (param $v i32) (param $pinv i32)
    (result i32)
    (local $i i32) (local $j i32) (local $c i32) (local $p i32) (local $r i32) (local $len i32) (local $stride i32)
    (local $vp i32) (local $kc i32) (local $ki i32)
    (local $rem f64) (local $alpha f64) (local $vv f64) (local $s f64) (local $f f64) (local $n2 f64) (local $x f64)
    (local.set $stride (i32.shl (local.get $K) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $ndone
      (loop $nloop
        (br_if $ndone (i32.ge_u (local.get $j) (local.get $K)))
        (f64.store (i32.add (local.get $norm2) (i32.shl (local.get $j) (i32.const 3))) (call $colsq (local.get $a) (local.get $K) (local.get $j) (i32.const 0) (local.get $m)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $nloop)))
    (local.set $j (i32.const 0))
    (block $jdone
      (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $K)))
        (local.set $rem (call $colsq (local.get $a) (local.get $K) (local.get $j) (local.get $r) (local.get $m)))
        (local.set $n2 (f64.load (i32.add (local.get $norm2) (i32.shl (local.get $j) (i32.const 3)))))
        (if (i32.and (i32.and (f64.gt (local.get $n2) (f64.const 0)) (f64.gt (local.get $rem) (f64.mul (local.get $tol) (local.get $n2))))
                     (i32.lt_u (local.get $r) (local.get $m)))
          (then
            (local.set $x (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $K)) (local.get $j)) (i32.const 3)))))
            (local.set $alpha (select (f64.neg (f64.sqrt (local.get $rem))) (f64.sqrt (local.get $rem)) (f64.ge (local.get $x) (f64.const 0))))
            (local.set $len (i32.sub (local.get $m) (local.get $r)))
            (local.set $vp (i32.add (local.get $vs) (i32.shl (i32.mul (local.get $r) (local.get $m)) (i32.const 3))))
            (local.set $i (i32.const 0))
            (block $cpdone
              (loop $cploop
                (br_if $cpdone (i32.ge_u (local.get $i) (local.get $len)))
                (f64.store (i32.add (local.get $vp) (i32.shl (local.get $i) (i32.const 3)))
                  (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (i32.add (local.get $r) (local.get $i)) (local.get $K)) (local.get $j)) (i32.const 3)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $cploop)))
            (f64.store (local.get $vp) (f64.sub (f64.load (local.get $vp)) (local.get $alpha)))
            (local.set $vv (f64.const 0))
            (local.set $i (i32.const 0))
            (block $vvdone
              (loop $vvloop
                (br_if $vvdone (i32.ge_u (local.get $i) (local.get $len)))
                (local.set $x (f64.load (i32.add (local.get $vp) (i32.shl (local.get $i) (i32.const 3)))))
                (local.set $vv (f64.add (local.get $vv) (f64.mul (local.get $x) (local.get $x))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $vvloop)))
            (local.set $c (local.get $j))
            (block $hdone
              (loop $hloop
                (br_if $hdone (i32.ge_u (local.get $c) (local.get $K)))
                (call $reflect (local.get $vp) (local.get $len) (local.get $vv)
                  (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $K)) (local.get $c)) (i32.const 3))) (local.get $stride))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $hloop)))
            (call $reflect (local.get $vp) (local.get $len) (local.get $vv) (i32.add (local.get $rhs) (i32.shl (local.get $r) (i32.const 3))) (i32.const 8))
            (f64.store (i32.add (local.get $vvs) (i32.shl (local.get $r) (i32.const 3))) (local.get $vv))
            (i32.store (i32.add (local.get $kept) (i32.shl (local.get $r) (i32.const 2))) (local.get $j))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jloop)))
    ;; R⁻¹ (r×r, upper): rinv[c, c] = 1/R[c, c]; rinv[i, c] = −(Σ_{p=i+1}^{c} R[i, p]·rinv[p, c]) / R[i, i].
    (local.set $c (i32.const 0))
    (block $rcdone
      (loop $rcloop
        (br_if $rcdone (i32.ge_u (local.get $c) (local.get $r)))
        (local.set $kc (i32.load (i32.add (local.get $kept) (i32.shl (local.get $c) (i32.const 2)))))
        (f64.store (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $r)) (local.get $c)) (i32.const 3)))
          (f64.div (f64.const 1) (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $K)) (local.get $kc)) (i32.const 3))))))
        (local.set $i (local.get $c))
        (block $ridone
          (loop $riloop
            (br_if $ridone (i32.eqz (local.get $i)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (local.set $s (f64.const 0))
            (local.set $p (i32.add (local.get $i) (i32.const 1)))
            (block $rpdone
              (loop $rploop
                (br_if $rpdone (i32.gt_u (local.get $p) (local.get $c)))
                (local.set $s (f64.add (local.get $s)
                  (f64.mul
                    (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $K)) (i32.load (i32.add (local.get $kept) (i32.shl (local.get $p) (i32.const 2))))) (i32.const 3))))
                    (f64.load (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $r)) (local.get $c)) (i32.const 3)))))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $rploop)))
            (local.set $ki (i32.load (i32.add (local.get $kept) (i32.shl (local.get $i) (i32.const 2)))))
            (f64.store (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $c)) (i32.const 3)))
              (f64.div (f64.neg (local.get $s)) (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $K)) (local.get $ki)) (i32.const 3))))))
            (br $riloop)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $rcloop)))
    ;; Q₁ (m×r) = H₀…H_{r−1}·[I_r; 0], the reflectors applied last to first: s = f·Σ_{i≥p} v[i−p]·q1[i, c], q1[i, c] −= s·v[i−p].
    (memory.fill (local.get $q1) (i32.const 0) (i32.shl (i32.mul (local.get $m) (local.get $r)) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $qidone
      (loop $qiloop
        (br_if $qidone (i32.ge_u (local.get $i) (local.get $r)))
        (f64.store (i32.add (local.get $q1) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $i)) (i32.const 3))) (f64.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $qiloop)))
    (local.set $p (local.get $r))
    (block $qpdone
      (loop $qploop
        (br_if $qpdone (i32.eqz (local.get $p)))
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (local.set $vp (i32.add (local.get $vs) (i32.shl (i32.mul (local.get $p) (local.get $m)) (i32.const 3))))
        (local.set $f (f64.div (f64.const 2) (f64.load (i32.add (local.get $vvs) (i32.shl (local.get $p) (i32.const 3))))))
        (local.set $c (local.get $p))
        (block $qcdone
          (loop $qcloop
            (br_if $qcdone (i32.ge_u (local.get $c) (local.get $r)))
            (local.set $s (f64.const 0))
            (local.set $i (local.get $p))
            (block $qsdone
              (loop $qsloop
                (br_if $qsdone (i32.ge_u (local.get $i) (local.get $m)))
                (local.set $s (f64.add (local.get $s)
                  (f64.mul (f64.load (i32.add (local.get $vp) (i32.shl (i32.sub (local.get $i) (local.get $p)) (i32.const 3))))
                           (f64.load (i32.add (local.get $q1) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $c)) (i32.const 3)))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $qsloop)))
            (local.set $s (f64.mul (local.get $s) (local.get $f)))
            (local.set $i (local.get $p))
            (block $qudone
              (loop $quloop
                (br_if $qudone (i32.ge_u (local.get $i) (local.get $m)))
                (local.set $kc (i32.add (local.get $q1) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $c)) (i32.const 3))))
                (f64.store (local.get $kc) (f64.sub (f64.load (local.get $kc))
                  (f64.mul (local.get $s) (f64.load (i32.add (local.get $vp) (i32.shl (i32.sub (local.get $i) (local.get $p)) (i32.const 3)))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $quloop)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $qcloop)))
        (br $qploop)))
    ;; β[kept[i]] = Σ_{p≥i} rinv[i, p]·(Qᵀỹ)[p]; V[kept[i], kept[j]] = Σ_{p≥max(i,j)} rinv[i, p]·rinv[j, p];
    ;; pinv[kept[i], c] = Σ_{p≥i} rinv[i, p]·q1[c, p].
    (memory.fill (local.get $beta) (i32.const 0) (local.get $stride))
    (memory.fill (local.get $v) (i32.const 0) (i32.mul (local.get $K) (local.get $stride)))
    (memory.fill (local.get $pinv) (i32.const 0) (i32.shl (i32.mul (local.get $K) (local.get $m)) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $oidone
      (loop $oiloop
        (br_if $oidone (i32.ge_u (local.get $i) (local.get $r)))
        (local.set $ki (i32.load (i32.add (local.get $kept) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $s (f64.const 0))
        (local.set $p (local.get $i))
        (block $obdone
          (loop $obloop
            (br_if $obdone (i32.ge_u (local.get $p) (local.get $r)))
            (local.set $s (f64.add (local.get $s)
              (f64.mul (f64.load (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $p)) (i32.const 3))))
                       (f64.load (i32.add (local.get $rhs) (i32.shl (local.get $p) (i32.const 3)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $obloop)))
        (f64.store (i32.add (local.get $beta) (i32.shl (local.get $ki) (i32.const 3))) (local.get $s))
        (local.set $j (i32.const 0))
        (block $ojdone
          (loop $ojloop
            (br_if $ojdone (i32.ge_u (local.get $j) (local.get $r)))
            (local.set $s (f64.const 0))
            (local.set $p (select (local.get $i) (local.get $j) (i32.gt_u (local.get $i) (local.get $j))))
            (block $ovdone
              (loop $ovloop
                (br_if $ovdone (i32.ge_u (local.get $p) (local.get $r)))
                (local.set $s (f64.add (local.get $s)
                  (f64.mul (f64.load (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $p)) (i32.const 3))))
                           (f64.load (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $r)) (local.get $p)) (i32.const 3)))))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ovloop)))
            (f64.store (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $ki) (local.get $K))
                                                                  (i32.load (i32.add (local.get $kept) (i32.shl (local.get $j) (i32.const 2))))) (i32.const 3)))
              (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $ojloop)))
        (local.set $c (i32.const 0))
        (block $opdone
          (loop $oploop
            (br_if $opdone (i32.ge_u (local.get $c) (local.get $m)))
            (local.set $s (f64.const 0))
            (local.set $p (local.get $i))
            (block $ocdone
              (loop $ocloop
                (br_if $ocdone (i32.ge_u (local.get $p) (local.get $r)))
                (local.set $s (f64.add (local.get $s)
                  (f64.mul (f64.load (i32.add (local.get $rinv) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $p)) (i32.const 3))))
                           (f64.load (i32.add (local.get $q1) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $r)) (local.get $p)) (i32.const 3)))))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ocloop)))
            (f64.store (i32.add (local.get $pinv) (i32.shl (i32.add (i32.mul (local.get $ki) (local.get $m)) (local.get $c)) (i32.const 3))) (local.get $s))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $oploop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $oiloop)))
    (local.get $r))

  ;; mirror: copy the upper triangle of the n×n matrix at `at` (rows ld values apart) onto its
  ;; lower triangle, out[r, k] = out[k, r] for k < r, so a symmetric result is exactly symmetric.
  (func (export "mirror") (param $at i32) (param $n i32) (param $ld i32)
    (local $r i32) (local $k i32) (local $row i32) (local $col i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $ld) (i32.const 3)))
    (local.set $r (i32.const 1))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $row (i32.add (local.get $at) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $col (i32.add (local.get $at) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $kloop
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $r)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3)))
              (f64.load (i32.add (local.get $col) (i32.mul (local.get $k) (local.get $stride)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kloop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; The compensated sums of the GMM passes over per-unit blocks (src/gmm/pass-kernels.ts). Every term is
  ;; added by Knuth's TwoSum exactly as src/gmm/sums.ts adds it, t = h + x, bb = t − h,
  ;; lo ← lo + ((h − (t − bb)) + (x − bb)), hi ← t, and every product and moment is formed in the same
  ;; order as there, so the sums equal the TypeScript loops' to the bit. (sums.ts skips zero terms; adding
  ;; a zero term changes neither hi nor lo, so the SIMD loops below add them.) f64x2 lanes take two
  ;; entries of a row at a time. Blocks are row-major f64; pointers are byte addresses.

  ;; $twosum2: (hi, lo)[at], [at+8] += x (two lanes).
  (func $twosum2 (param $hi i32) (param $lo i32) (param $x v128)
    (local $h v128) (local $t v128) (local $bb v128)
    (local.set $h (v128.load (local.get $hi)))
    (local.set $t (f64x2.add (local.get $h) (local.get $x)))
    (local.set $bb (f64x2.sub (local.get $t) (local.get $h)))
    (v128.store (local.get $lo)
      (f64x2.add (v128.load (local.get $lo))
        (f64x2.add (f64x2.sub (local.get $h) (f64x2.sub (local.get $t) (local.get $bb))) (f64x2.sub (local.get $x) (local.get $bb)))))
    (v128.store (local.get $hi) (local.get $t)))

  ;; $twosum1: (hi, lo)[at] += x.
  (func $twosum1 (param $hi i32) (param $lo i32) (param $x f64)
    (local $h f64) (local $t f64) (local $bb f64)
    (local.set $h (f64.load (local.get $hi)))
    (local.set $t (f64.add (local.get $h) (local.get $x)))
    (local.set $bb (f64.sub (local.get $t) (local.get $h)))
    (f64.store (local.get $lo)
      (f64.add (f64.load (local.get $lo))
        (f64.add (f64.sub (local.get $h) (f64.sub (local.get $t) (local.get $bb))) (f64.sub (local.get $x) (local.get $bb)))))
    (f64.store (local.get $hi) (local.get $t)))

  ;; $axpy: (hi, lo)[0..m) += a·x[0..m) (sums.ts addRow; addCrossRow row by row).
  ;; $twosum2 and $twosum1 written out in place: the passes spend most of their time here, and V8 does
  ;; not inline WebAssembly calls (the weight pass, uncollapsed L = 59, N = 20,000: bench/RESULTS.md).
  (func $axpy (param $hi i32) (param $lo i32) (param $x i32) (param $m i32) (param $a f64)
    (local $av v128) (local $o i32) (local $pairs i32)
    (local $v v128) (local $h v128) (local $t v128) (local $bb v128) (local $hs f64) (local $ts f64) (local $bs f64) (local $vs f64)
    (local.set $av (f64x2.splat (local.get $a)))
    (local.set $pairs (i32.shl (i32.shr_u (local.get $m) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $o) (local.get $pairs)))
        (local.set $v (f64x2.mul (local.get $av) (v128.load (i32.add (local.get $x) (local.get $o)))))
        (local.set $h (v128.load (i32.add (local.get $hi) (local.get $o))))
        (local.set $t (f64x2.add (local.get $h) (local.get $v)))
        (local.set $bb (f64x2.sub (local.get $t) (local.get $h)))
        (v128.store (i32.add (local.get $lo) (local.get $o))
          (f64x2.add (v128.load (i32.add (local.get $lo) (local.get $o)))
            (f64x2.add (f64x2.sub (local.get $h) (f64x2.sub (local.get $t) (local.get $bb))) (f64x2.sub (local.get $v) (local.get $bb)))))
        (v128.store (i32.add (local.get $hi) (local.get $o)) (local.get $t))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $pair)))
    (if (i32.and (local.get $m) (i32.const 1))
      (then
        (local.set $vs (f64.mul (local.get $a) (f64.load (i32.add (local.get $x) (local.get $o)))))
        (local.set $hs (f64.load (i32.add (local.get $hi) (local.get $o))))
        (local.set $ts (f64.add (local.get $hs) (local.get $vs)))
        (local.set $bs (f64.sub (local.get $ts) (local.get $hs)))
        (f64.store (i32.add (local.get $lo) (local.get $o))
          (f64.add (f64.load (i32.add (local.get $lo) (local.get $o)))
            (f64.add (f64.sub (local.get $hs) (f64.sub (local.get $ts) (local.get $bs))) (f64.sub (local.get $vs) (local.get $bs)))))
        (f64.store (i32.add (local.get $hi) (local.get $o)) (local.get $ts)))))

  ;; $moment: g[0..L) = zw·c for one unit's L×P block zw (moments.ts momentRow: over p in order). Two
  ;; moments at a time, rows l and l+1 in the two lanes, each summed over p in order as there. Zero
  ;; entries are added rather than skipped: with c finite (the callers check) a zero term leaves a sum
  ;; that starts at +0 unchanged.
  (func $moment (param $zw i32) (param $c i32) (param $g i32) (param $L i32) (param $P i32)
    (local $l i32) (local $p i32) (local $s f64) (local $acc v128) (local $r1 i32) (local $row i32) (local $o i32)
    (local.set $row (i32.shl (local.get $P) (i32.const 3)))
    (block $pairsdone
      (loop $pairs
        (br_if $pairsdone (i32.gt_u (i32.add (local.get $l) (i32.const 2)) (local.get $L)))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $r1 (i32.add (local.get $zw) (local.get $row)))
        (local.set $o (i32.const 0))
        (block $pdone
          (loop $ploop
            (br_if $pdone (i32.ge_u (local.get $o) (local.get $row)))
            (local.set $acc (f64x2.add (local.get $acc)
              (f64x2.mul
                (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $zw) (local.get $o)))) (f64.load (i32.add (local.get $r1) (local.get $o))))
                (f64x2.splat (f64.load (i32.add (local.get $c) (local.get $o)))))))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $ploop)))
        (v128.store (i32.add (local.get $g) (i32.shl (local.get $l) (i32.const 3))) (local.get $acc))
        (local.set $zw (i32.add (local.get $r1) (local.get $row)))
        (local.set $l (i32.add (local.get $l) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $l) (local.get $L))
      (then
        (local.set $s (f64.const 0))
        (block $qdone
          (loop $qloop
            (br_if $qdone (i32.ge_u (local.get $p) (local.get $P)))
            (local.set $s (f64.add (local.get $s)
              (f64.mul (f64.load (local.get $zw)) (f64.load (i32.add (local.get $c) (i32.shl (local.get $p) (i32.const 3)))))))
            (local.set $zw (i32.add (local.get $zw) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $qloop)))
        (f64.store (i32.add (local.get $g) (i32.shl (local.get $l) (i32.const 3))) (local.get $s)))))

  ;; $outer: (hi, lo) (p×q) += (w·a) bᵀ, rows r with w·a[r] = 0 skipped (sums.ts addCrossRow).
  (func $outer (param $hi i32) (param $lo i32) (param $a i32) (param $p i32) (param $b i32) (param $q i32) (param $w f64)
    (local $r i32) (local $ar f64) (local $o i32)
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $p)))
        (local.set $ar (f64.mul (local.get $w) (f64.load (i32.add (local.get $a) (i32.shl (local.get $r) (i32.const 3))))))
        (if (f64.ne (local.get $ar) (f64.const 0))
          (then
            (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $q)) (i32.const 3)))
            (call $axpy (i32.add (local.get $hi) (local.get $o)) (i32.add (local.get $lo) (local.get $o)) (local.get $b) (local.get $q) (local.get $ar))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; gram: the weight pass over n units' blocks zw (n × L × P): (hi, lo) (L×L, upper triangle) +=
  ;; Σ_i w_i g_i g_iᵀ, g_i = zw_i·c; w = 0: every w_i = 1, else w_i = f64 at w + 8i, units with w_i = 0
  ;; skipped (passes.ts weightPass, sums.ts addGramGroup). Units go 4 at a time (GRAM_GROUP; n is a
  ;; multiple of 4 except in a pass's last call): each entry's 4 terms a_j[r]·g_j[s] (a_j = w_j g_j) are
  ;; summed by TwoSum in registers (h, l), two entries per SIMD operation, and (h, l) is then added to
  ;; (hi, lo) in memory once per group. Scratch at g: G (4 × L), then A (4 × L) when weighted; the rows
  ;; of a group's skipped units are zero, and a zero term changes neither h nor l.
  (func (export "gram") (param $zw i32) (param $n i32) (param $L i32) (param $P i32) (param $c i32) (param $w i32) (param $g i32) (param $hi i32) (param $lo i32)
    (local $i0 i32) (local $i i32) (local $end i32) (local $k i32) (local $wi f64) (local $block i32) (local $rowB i32)
    (local $A i32) (local $row i32) (local $ar i32) (local $r i32) (local $s i32) (local $at i32) (local $gp i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $x v128) (local $h v128) (local $l v128) (local $t v128) (local $bb v128)
    (local $xs f64) (local $hs f64) (local $ls f64) (local $ts f64) (local $bs f64)
    (local.set $block (i32.shl (i32.mul (local.get $L) (local.get $P)) (i32.const 3)))
    (local.set $rowB (i32.shl (local.get $L) (i32.const 3)))
    (local.set $A (select (i32.add (local.get $g) (i32.mul (local.get $rowB) (i32.const 4))) (local.get $g) (local.get $w)))
    (block $done
      (loop $group
        (br_if $done (i32.ge_u (local.get $i0) (local.get $n)))
        ;; The group's moments: G row k = g_i, A row k = w_i g_i, for units i with w_i ≠ 0.
        (local.set $end (select (local.get $n) (i32.add (local.get $i0) (i32.const 4)) (i32.lt_u (local.get $n) (i32.add (local.get $i0) (i32.const 4)))))
        (local.set $k (i32.const 0))
        (local.set $i (local.get $i0))
        (block $udone
          (loop $unit
            (br_if $udone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $wi (if (result f64) (local.get $w)
              (then (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
              (else (f64.const 1))))
            (if (f64.ne (local.get $wi) (f64.const 0))
              (then
                (local.set $row (i32.add (local.get $g) (i32.mul (local.get $k) (local.get $rowB))))
                (call $moment (i32.add (local.get $zw) (i32.mul (local.get $i) (local.get $block))) (local.get $c) (local.get $row) (local.get $L) (local.get $P))
                (if (local.get $w)
                  (then
                    (local.set $ar (i32.add (local.get $A) (i32.mul (local.get $k) (local.get $rowB))))
                    (local.set $s (i32.const 0))
                    (block $sdone (loop $sloop
                      (br_if $sdone (i32.ge_u (local.get $s) (local.get $rowB)))
                      (f64.store (i32.add (local.get $ar) (local.get $s)) (f64.mul (local.get $wi) (f64.load (i32.add (local.get $row) (local.get $s)))))
                      (local.set $s (i32.add (local.get $s) (i32.const 8)))
                      (br $sloop)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $unit)))
        (if (local.get $k)
          (then
            ;; Rows k .. 3 of G and A zero.
            (memory.fill (i32.add (local.get $g) (i32.mul (local.get $k) (local.get $rowB))) (i32.const 0)
              (i32.mul (i32.sub (i32.const 4) (local.get $k)) (local.get $rowB)))
            (if (local.get $w)
              (then (memory.fill (i32.add (local.get $A) (i32.mul (local.get $k) (local.get $rowB))) (i32.const 0)
                (i32.mul (i32.sub (i32.const 4) (local.get $k)) (local.get $rowB)))))
            (local.set $r (i32.const 0))
            (block $rdone
              (loop $rloop
                (br_if $rdone (i32.ge_u (local.get $r) (local.get $L)))
                (local.set $ar (i32.add (local.get $A) (i32.shl (local.get $r) (i32.const 3))))
                (local.set $a0 (v128.load64_splat (local.get $ar)))
                (local.set $a1 (v128.load64_splat (i32.add (local.get $ar) (local.get $rowB))))
                (local.set $a2 (v128.load64_splat (i32.add (local.get $ar) (i32.mul (local.get $rowB) (i32.const 2)))))
                (local.set $a3 (v128.load64_splat (i32.add (local.get $ar) (i32.mul (local.get $rowB) (i32.const 3)))))
                (local.set $s (local.get $r))
                (block $pdone
                  (loop $ploop
                    (br_if $pdone (i32.gt_u (i32.add (local.get $s) (i32.const 2)) (local.get $L)))
                    (local.set $gp (i32.add (local.get $g) (i32.shl (local.get $s) (i32.const 3))))
                    (local.set $h (f64x2.mul (local.get $a0) (v128.load (local.get $gp))))
                    (local.set $l (v128.const i64x2 0 0))
                    (local.set $x (f64x2.mul (local.get $a1) (v128.load (i32.add (local.get $gp) (local.get $rowB)))))
                    (local.set $t (f64x2.add (local.get $h) (local.get $x)))
                    (local.set $bb (f64x2.sub (local.get $t) (local.get $h)))
                    (local.set $l (f64x2.add (local.get $l) (f64x2.add (f64x2.sub (local.get $h) (f64x2.sub (local.get $t) (local.get $bb))) (f64x2.sub (local.get $x) (local.get $bb)))))
                    (local.set $h (local.get $t))
                    (local.set $x (f64x2.mul (local.get $a2) (v128.load (i32.add (local.get $gp) (i32.mul (local.get $rowB) (i32.const 2))))))
                    (local.set $t (f64x2.add (local.get $h) (local.get $x)))
                    (local.set $bb (f64x2.sub (local.get $t) (local.get $h)))
                    (local.set $l (f64x2.add (local.get $l) (f64x2.add (f64x2.sub (local.get $h) (f64x2.sub (local.get $t) (local.get $bb))) (f64x2.sub (local.get $x) (local.get $bb)))))
                    (local.set $h (local.get $t))
                    (local.set $x (f64x2.mul (local.get $a3) (v128.load (i32.add (local.get $gp) (i32.mul (local.get $rowB) (i32.const 3))))))
                    (local.set $t (f64x2.add (local.get $h) (local.get $x)))
                    (local.set $bb (f64x2.sub (local.get $t) (local.get $h)))
                    (local.set $l (f64x2.add (local.get $l) (f64x2.add (f64x2.sub (local.get $h) (f64x2.sub (local.get $t) (local.get $bb))) (f64x2.sub (local.get $x) (local.get $bb)))))
                    (local.set $h (local.get $t))
                    ;; (h, l) into entries (r, s) and (r, s+1): TwoSum of h, then l.
                    (local.set $at (i32.shl (i32.add (i32.mul (local.get $r) (local.get $L)) (local.get $s)) (i32.const 3)))
                    (local.set $x (v128.load (i32.add (local.get $hi) (local.get $at))))
                    (local.set $t (f64x2.add (local.get $x) (local.get $h)))
                    (local.set $bb (f64x2.sub (local.get $t) (local.get $x)))
                    (v128.store (i32.add (local.get $lo) (local.get $at))
                      (f64x2.add
                        (f64x2.add (v128.load (i32.add (local.get $lo) (local.get $at)))
                          (f64x2.add (f64x2.sub (local.get $x) (f64x2.sub (local.get $t) (local.get $bb))) (f64x2.sub (local.get $h) (local.get $bb))))
                        (local.get $l)))
                    (v128.store (i32.add (local.get $hi) (local.get $at)) (local.get $t))
                    (local.set $s (i32.add (local.get $s) (i32.const 2)))
                    (br $ploop)))
                (if (i32.lt_u (local.get $s) (local.get $L))
                  (then
                    (local.set $gp (i32.add (local.get $g) (i32.shl (local.get $s) (i32.const 3))))
                    (local.set $hs (f64.mul (f64x2.extract_lane 0 (local.get $a0)) (f64.load (local.get $gp))))
                    (local.set $ls (f64.const 0))
                    (local.set $xs (f64.mul (f64x2.extract_lane 0 (local.get $a1)) (f64.load (i32.add (local.get $gp) (local.get $rowB)))))
                    (local.set $ts (f64.add (local.get $hs) (local.get $xs)))
                    (local.set $bs (f64.sub (local.get $ts) (local.get $hs)))
                    (local.set $ls (f64.add (local.get $ls) (f64.add (f64.sub (local.get $hs) (f64.sub (local.get $ts) (local.get $bs))) (f64.sub (local.get $xs) (local.get $bs)))))
                    (local.set $hs (local.get $ts))
                    (local.set $xs (f64.mul (f64x2.extract_lane 0 (local.get $a2)) (f64.load (i32.add (local.get $gp) (i32.mul (local.get $rowB) (i32.const 2))))))
                    (local.set $ts (f64.add (local.get $hs) (local.get $xs)))
                    (local.set $bs (f64.sub (local.get $ts) (local.get $hs)))
                    (local.set $ls (f64.add (local.get $ls) (f64.add (f64.sub (local.get $hs) (f64.sub (local.get $ts) (local.get $bs))) (f64.sub (local.get $xs) (local.get $bs)))))
                    (local.set $hs (local.get $ts))
                    (local.set $xs (f64.mul (f64x2.extract_lane 0 (local.get $a3)) (f64.load (i32.add (local.get $gp) (i32.mul (local.get $rowB) (i32.const 3))))))
                    (local.set $ts (f64.add (local.get $hs) (local.get $xs)))
                    (local.set $bs (f64.sub (local.get $ts) (local.get $hs)))
                    (local.set $ls (f64.add (local.get $ls) (f64.add (f64.sub (local.get $hs) (f64.sub (local.get $ts) (local.get $bs))) (f64.sub (local.get $xs) (local.get $bs)))))
                    (local.set $hs (local.get $ts))
                    (local.set $at (i32.shl (i32.add (i32.mul (local.get $r) (local.get $L)) (local.get $s)) (i32.const 3)))
                    (local.set $xs (f64.load (i32.add (local.get $hi) (local.get $at))))
                    (local.set $ts (f64.add (local.get $xs) (local.get $hs)))
                    (local.set $bs (f64.sub (local.get $ts) (local.get $xs)))
                    (f64.store (i32.add (local.get $lo) (local.get $at))
                      (f64.add
                        (f64.add (f64.load (i32.add (local.get $lo) (local.get $at)))
                          (f64.add (f64.sub (local.get $xs) (f64.sub (local.get $ts) (local.get $bs))) (f64.sub (local.get $hs) (local.get $bs))))
                        (local.get $ls)))
                    (f64.store (i32.add (local.get $hi) (local.get $at)) (local.get $ts))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rloop)))))
        (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
        (br $group))))

  ;; sumrows: (hi, lo) (m) += w_i x_i over n rows x_i of m values (sums.ts compensatedSum, not yet
  ;; normalized); w as in gram.
  (func (export "sumrows") (param $x i32) (param $n i32) (param $m i32) (param $w i32) (param $hi i32) (param $lo i32)
    (local $i i32) (local $wi f64) (local $row i32)
    (local.set $row (i32.shl (local.get $m) (i32.const 3)))
    (block $done
      (loop $unit
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wi (if (result f64) (local.get $w)
          (then (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
          (else (f64.const 1))))
        (if (f64.ne (local.get $wi) (f64.const 0))
          (then (call $axpy (local.get $hi) (local.get $lo) (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $row))) (local.get $m) (local.get $wi))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $unit))))

  ;; correction: the Windmeijer bracket of the correction pass over n units (passes.ts correctionPass,
  ;; without cluster()): h_i = zw_i·c (scratch at h), ha = w_i·(h_i·a), (hi1, lo1) (L×P) += ha·zw_i;
  ;; zwa = zw_iᵀa (scratch at zwa, P), (hi2, lo2) (L×P) += (w_i h_i) zwaᵀ. w as in gram.
  (func (export "correction") (param $zw i32) (param $n i32) (param $L i32) (param $P i32) (param $c i32) (param $a i32) (param $w i32)
    (param $h i32) (param $zwa i32) (param $hi1 i32) (param $lo1 i32) (param $hi2 i32) (param $lo2 i32)
    (local $i i32) (local $l i32) (local $q i32) (local $wi f64) (local $ha f64) (local $v f64) (local $al f64) (local $zi i32) (local $zp i32) (local $at i32) (local $block i32) (local $av v128)
    (local.set $block (i32.shl (i32.mul (local.get $L) (local.get $P)) (i32.const 3)))
    (block $done
      (loop $unit
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $zi (i32.add (local.get $zw) (i32.mul (local.get $i) (local.get $block))))
        (call $moment (local.get $zi) (local.get $c) (local.get $h) (local.get $L) (local.get $P))
        (local.set $ha (f64.const 0))
        (local.set $l (i32.const 0))
        (block $hdone
          (loop $hloop
            (br_if $hdone (i32.ge_u (local.get $l) (local.get $L)))
            (local.set $v (f64.load (i32.add (local.get $h) (i32.shl (local.get $l) (i32.const 3)))))
            (if (f64.ne (local.get $v) (f64.const 0))
              (then (local.set $ha (f64.add (local.get $ha)
                (f64.mul (local.get $v) (f64.load (i32.add (local.get $a) (i32.shl (local.get $l) (i32.const 3)))))))))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $hloop)))
        (local.set $wi (f64.const 1))
        (if (local.get $w)
          (then
            (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $ha (f64.mul (local.get $ha) (local.get $wi)))))
        (if (f64.ne (local.get $ha) (f64.const 0))
          (then (call $axpy (local.get $hi1) (local.get $lo1) (local.get $zi) (i32.mul (local.get $L) (local.get $P)) (local.get $ha))))
        ;; zwa = Σ_l a[l]·zw_i[l, ·], over l in order, two entries of zwa at a time (zero terms added:
        ;; with a finite, as in $moment, they change nothing).
        (memory.fill (local.get $zwa) (i32.const 0) (i32.shl (local.get $P) (i32.const 3)))
        (local.set $zp (local.get $zi))
        (local.set $l (i32.const 0))
        (block $ldone
          (loop $lloop
            (br_if $ldone (i32.ge_u (local.get $l) (local.get $L)))
            (local.set $al (f64.load (i32.add (local.get $a) (i32.shl (local.get $l) (i32.const 3)))))
            (local.set $av (f64x2.splat (local.get $al)))
            (local.set $q (i32.const 0))
            (block $qdone
              (loop $qloop
                (br_if $qdone (i32.gt_u (i32.add (local.get $q) (i32.const 2)) (local.get $P)))
                (local.set $at (i32.add (local.get $zwa) (i32.shl (local.get $q) (i32.const 3))))
                (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at))
                  (f64x2.mul (v128.load (i32.add (local.get $zp) (i32.shl (local.get $q) (i32.const 3)))) (local.get $av))))
                (local.set $q (i32.add (local.get $q) (i32.const 2)))
                (br $qloop)))
            (if (i32.lt_u (local.get $q) (local.get $P))
              (then
                (local.set $at (i32.add (local.get $zwa) (i32.shl (local.get $q) (i32.const 3))))
                (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                  (f64.mul (f64.load (i32.add (local.get $zp) (i32.shl (local.get $q) (i32.const 3)))) (local.get $al))))))
            (local.set $zp (i32.add (local.get $zp) (i32.shl (local.get $P) (i32.const 3))))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $lloop)))
        (call $outer (local.get $hi2) (local.get $lo2) (local.get $h) (local.get $L) (local.get $zwa) (local.get $P) (local.get $wi))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $unit))))

  ;; arrobust: the robust AR(m) sums of one lag over n units (ar-sums.ts arSumsRobust): s_i = c'ar_i c from
  ;; the unit's packed symmetric lag block (at ar + i·arStride, P(P+1)/2 values), then at acc (f64):
  ;; [0, 8] += s_i and [16, 24] += s_i² (hi, lo), [32] counts s_i ≠ 0; and (zhwHi, zhwLo) (L) += s_i g_i,
  ;; g_i = zw_i·c (scratch at g), for s_i ≠ 0.
  (func (export "arrobust") (param $zw i32) (param $ar i32) (param $n i32) (param $L i32) (param $P i32) (param $arStride i32)
    (param $c i32) (param $g i32) (param $acc i32) (param $zhwHi i32) (param $zhwLo i32)
    (local $i i32) (local $o i32) (local $a i32) (local $b i32) (local $s f64) (local $t f64) (local $ca f64) (local $block i32)
    (local.set $block (i32.shl (i32.mul (local.get $L) (local.get $P)) (i32.const 3)))
    (block $done
      (loop $unit
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $o (i32.add (local.get $ar) (i32.mul (local.get $i) (local.get $arStride))))
        (local.set $s (f64.const 0))
        (local.set $a (i32.const 0))
        (block $adone
          (loop $aloop
            (br_if $adone (i32.ge_u (local.get $a) (local.get $P)))
            (local.set $ca (f64.load (i32.add (local.get $c) (i32.shl (local.get $a) (i32.const 3)))))
            (local.set $s (f64.add (local.get $s) (f64.mul (f64.mul (local.get $ca) (local.get $ca)) (f64.load (local.get $o)))))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (local.set $t (f64.const 0))
            (local.set $b (i32.add (local.get $a) (i32.const 1)))
            (block $bdone
              (loop $bloop
                (br_if $bdone (i32.ge_u (local.get $b) (local.get $P)))
                (local.set $t (f64.add (local.get $t)
                  (f64.mul (f64.load (local.get $o)) (f64.load (i32.add (local.get $c) (i32.shl (local.get $b) (i32.const 3)))))))
                (local.set $o (i32.add (local.get $o) (i32.const 8)))
                (local.set $b (i32.add (local.get $b) (i32.const 1)))
                (br $bloop)))
            (local.set $s (f64.add (local.get $s) (f64.mul (f64.mul (f64.const 2) (local.get $ca)) (local.get $t))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $aloop)))
        (if (f64.ne (local.get $s) (f64.const 0))
          (then (f64.store offset=32 (local.get $acc) (f64.add (f64.load offset=32 (local.get $acc)) (f64.const 1)))))
        (call $twosum1 (local.get $acc) (i32.add (local.get $acc) (i32.const 8)) (local.get $s))
        (call $twosum1 (i32.add (local.get $acc) (i32.const 16)) (i32.add (local.get $acc) (i32.const 24)) (f64.mul (local.get $s) (local.get $s)))
        (if (f64.ne (local.get $s) (f64.const 0))
          (then
            (call $moment (i32.add (local.get $zw) (i32.mul (local.get $i) (local.get $block))) (local.get $c) (local.get $g) (local.get $L) (local.get $P))
            (call $axpy (local.get $zhwHi) (local.get $zhwLo) (local.get $g) (local.get $L) (local.get $s))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $unit))))

  ;; ---- The unit pass of the per-unit blocks (src/gmm/unit-kernel.ts, blocks.ts UnitPass) ----
  ;; After JavaScript has laid out one unit's rows W (wRows, with their nonzero columns nzLen/nzCol) and
  ;; its sparse instrument rows (zstart/zcol/zval), `unit` forms what blocks.ts crossProducts,
  ;; arProducts, momentBlock and zhzDense form, adding and multiplying in the same order, so every
  ;; block and sum equals the TypeScript loops' to the bit (test/unit-kernel.test.ts). Its operands are
  ;; named in a header of i32 fields at $h (unit-kernel.ts HEADER: sizes, flags, byte addresses).
  ;; Addresses are written out in place rather than through small helper functions: the V8 of Node 20
  ;; does not inline WebAssembly calls, and with helpers the kernel ran at half the speed of the
  ;; TypeScript loops (bench/RESULTS.md).

  ;; $gramrows: dst (P×P, zeroed here) = Σ_r W[r]ᵀW[r] over rows r0 .. r0+count−1, upper triangle (blocks.ts gramRows).
  (func $gramrows (param $dst i32) (param $w i32) (param $r0 i32) (param $count i32) (param $P i32) (param $nzLen i32) (param $nzCol i32)
    (local $ad i32) (local $r i32) (local $ro i32) (local $len i32) (local $a i32) (local $b i32) (local $i i32) (local $j i32) (local $va f64)
    (memory.fill (local.get $dst) (i32.const 0) (i32.shl (i32.mul (local.get $P) (local.get $P)) (i32.const 3)))
    (local.set $r (local.get $r0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (i32.add (local.get $r0) (local.get $count))))
      (local.set $ro (i32.mul (local.get $r) (local.get $P)))
      (local.set $len (i32.load (i32.add (local.get $nzLen) (i32.shl (local.get $r) (i32.const 2)))))
      (if (i32.eq (local.get $len) (local.get $P))
        (then
          (local.set $a (i32.const 0))
          (block $adone (loop $aloop
            (br_if $adone (i32.ge_s (local.get $a) (local.get $P)))
            (local.set $va (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $a)) (i32.const 3)))))
            (local.set $b (local.get $a))
            (block $bdone (loop $bloop
              (br_if $bdone (i32.ge_s (local.get $b) (local.get $P)))
              (local.set $ad (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b)) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $va) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $b)) (i32.const 3)))))))
              (local.set $b (i32.add (local.get $b) (i32.const 1)))
              (br $bloop)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $aloop))))
        (else
          (local.set $i (i32.const 0))
          (block $idone (loop $iloop
            (br_if $idone (i32.ge_s (local.get $i) (local.get $len)))
            (local.set $a (i32.load (i32.add (local.get $nzCol) (i32.shl (i32.add (local.get $ro) (local.get $i)) (i32.const 2)))))
            (local.set $va (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $a)) (i32.const 3)))))
            (local.set $j (local.get $i))
            (block $jdone (loop $jloop
              (br_if $jdone (i32.ge_s (local.get $j) (local.get $len)))
              (local.set $b (i32.load (i32.add (local.get $nzCol) (i32.shl (i32.add (local.get $ro) (local.get $j)) (i32.const 2)))))
              (local.set $ad (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b)) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $va) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $b)) (i32.const 3)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jloop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iloop)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop))))

  ;; $crossrows: dst (P×P, zeroed here) = Σ_r W[r]ᵀW[r−lag] over rows r0+lag .. r0+count−1 (blocks.ts crossRows).
  (func $crossrows (param $dst i32) (param $w i32) (param $r0 i32) (param $count i32) (param $lag i32) (param $P i32) (param $nzLen i32) (param $nzCol i32)
    (local $ad i32) (local $r i32) (local $ro i32) (local $lo i32) (local $len i32) (local $llen i32) (local $a i32) (local $b i32) (local $i i32) (local $j i32) (local $va f64)
    (memory.fill (local.get $dst) (i32.const 0) (i32.shl (i32.mul (local.get $P) (local.get $P)) (i32.const 3)))
    (local.set $r (i32.add (local.get $r0) (local.get $lag)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (i32.add (local.get $r0) (local.get $count))))
      (local.set $ro (i32.mul (local.get $r) (local.get $P)))
      (local.set $lo (i32.sub (local.get $ro) (i32.mul (local.get $lag) (local.get $P))))
      (local.set $len (i32.load (i32.add (local.get $nzLen) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $llen (i32.load (i32.add (local.get $nzLen) (i32.shl (i32.sub (local.get $r) (local.get $lag)) (i32.const 2)))))
      (if (i32.ne (local.get $llen) (i32.const 0))
        (then
          (if (i32.and (i32.eq (local.get $len) (local.get $P)) (i32.eq (local.get $llen) (local.get $P)))
            (then
              (local.set $a (i32.const 0))
              (block $adone (loop $aloop
                (br_if $adone (i32.ge_s (local.get $a) (local.get $P)))
                (local.set $va (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $a)) (i32.const 3)))))
                (local.set $b (i32.const 0))
                (block $bdone (loop $bloop
                  (br_if $bdone (i32.ge_s (local.get $b) (local.get $P)))
                  (local.set $ad (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b)) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $va) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $lo) (local.get $b)) (i32.const 3)))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 1)))
                  (br $bloop)))
                (local.set $a (i32.add (local.get $a) (i32.const 1)))
                (br $aloop))))
            (else
              (local.set $i (i32.const 0))
              (block $idone (loop $iloop
                (br_if $idone (i32.ge_s (local.get $i) (local.get $len)))
                (local.set $a (i32.load (i32.add (local.get $nzCol) (i32.shl (i32.add (local.get $ro) (local.get $i)) (i32.const 2)))))
                (local.set $va (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $a)) (i32.const 3)))))
                (local.set $j (i32.const 0))
                (block $jdone (loop $jloop
                  (br_if $jdone (i32.ge_s (local.get $j) (local.get $llen)))
                  (local.set $b (i32.load (i32.add (local.get $nzCol) (i32.shl (i32.add (local.get $lo) (local.get $j)) (i32.const 2)))))
                  (local.set $ad (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b)) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $va) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $lo) (local.get $b)) (i32.const 3)))))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $jloop)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $iloop)))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop))))

  ;; $addsum: (hi, lo)[k] += x unless x = 0 (sums.ts addTo as blocks.ts inlines it; $twosum1 written
  ;; out, a call fewer a term).
  (func $addsum (param $hi i32) (param $lo i32) (param $k i32) (param $x f64)
    (local $h f64) (local $t f64) (local $bb f64)
    (if (f64.ne (local.get $x) (f64.const 0))
      (then
        (local.set $hi (i32.add (local.get $hi) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $lo (i32.add (local.get $lo) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $h (f64.load (local.get $hi)))
        (local.set $t (f64.add (local.get $h) (local.get $x)))
        (local.set $bb (f64.sub (local.get $t) (local.get $h)))
        (f64.store (local.get $lo)
          (f64.add (f64.load (local.get $lo))
            (f64.add (f64.sub (local.get $h) (f64.sub (local.get $t) (local.get $bb))) (f64.sub (local.get $x) (local.get $bb)))))
        (f64.store (local.get $hi) (local.get $t)))))

  ;; $crossproducts: blocks.ts crossProducts (ee_i, Σ W'W over all used rows and over main-equation rows).
  (func $crossproducts (param $h i32)
    (local $ad i32) (local $T i32) (local $P i32) (local $gT i32) (local $gL i32) (local $all i32) (local $main i32) (local $ee i32) (local $out i32)
    (local $a i32) (local $b i32) (local $j i32) (local $system i32)
    (local.set $T (i32.load offset=0 (local.get $h)))
    (local.set $P (i32.load offset=4 (local.get $h)))
    (local.set $system (i32.load offset=12 (local.get $h)))
    (local.set $gT (i32.load offset=92 (local.get $h)))
    (local.set $gL (i32.load offset=96 (local.get $h)))
    (local.set $all (i32.load offset=100 (local.get $h)))
    (local.set $main (i32.load offset=104 (local.get $h)))
    (call $gramrows (local.get $gT) (i32.load offset=40 (local.get $h)) (i32.const 0) (local.get $T) (local.get $P)
      (i32.load offset=44 (local.get $h)) (i32.load offset=48 (local.get $h)))
    (if (local.get $system)
      (then (call $gramrows (local.get $gL) (i32.load offset=40 (local.get $h)) (local.get $T) (local.get $T) (local.get $P)
        (i32.load offset=44 (local.get $h)) (i32.load offset=48 (local.get $h)))))
    (local.set $a (i32.const 0))
    (block $adone (loop $aloop
      (br_if $adone (i32.ge_s (local.get $a) (local.get $P)))
      (local.set $j (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $a)))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_s (local.get $j) (i32.mul (i32.add (local.get $a) (i32.const 1)) (local.get $P))))
        (if (local.get $system)
          (then
            (local.set $ad (i32.add (local.get $all) (i32.shl (local.get $j) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.add (f64.load (i32.add (local.get $gT) (i32.shl (local.get $j) (i32.const 3)))) (f64.load (i32.add (local.get $gL) (i32.shl (local.get $j) (i32.const 3)))))))
            (local.set $ad (i32.add (local.get $main) (i32.shl (local.get $j) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.load (i32.add (local.get $gL) (i32.shl (local.get $j) (i32.const 3)))))))
          (else
            (local.set $ad (i32.add (local.get $all) (i32.shl (local.get $j) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.load (i32.add (local.get $gT) (i32.shl (local.get $j) (i32.const 3))))))
            (local.set $ad (i32.add (local.get $main) (i32.shl (local.get $j) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.load (i32.add (local.get $gT) (i32.shl (local.get $j) (i32.const 3))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jloop)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $aloop)))
    (local.set $ee (select (local.get $gL) (local.get $gT) (i32.load offset=16 (local.get $h))))
    (if (i32.load offset=116 (local.get $h))
      (then
        ;; kept per unit: the whole P×P, its lower triangle from the upper one (mirrorUpper).
        (local.set $out (i32.load offset=120 (local.get $h)))
        (local.set $a (i32.const 0))
        (block $adone2 (loop $aloop2
          (br_if $adone2 (i32.ge_s (local.get $a) (local.get $P)))
          (local.set $b (i32.const 0))
          (block $bdone2 (loop $bloop2
            (br_if $bdone2 (i32.ge_s (local.get $b) (local.get $P)))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b)) (i32.const 3)))
              (f64.load (i32.add (local.get $ee) (i32.shl (select (i32.add (i32.mul (local.get $b) (local.get $P)) (local.get $a)) (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b))
                  (i32.gt_s (local.get $a) (local.get $b))) (i32.const 3)))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bloop2)))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br $aloop2))))
      (else
        (local.set $a (i32.const 0))
        (block $adone3 (loop $aloop3
          (br_if $adone3 (i32.ge_s (local.get $a) (local.get $P)))
          (local.set $j (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $a)))
          (block $jdone3 (loop $jloop3
            (br_if $jdone3 (i32.ge_s (local.get $j) (i32.mul (i32.add (local.get $a) (i32.const 1)) (local.get $P))))
            (call $addsum (i32.load offset=108 (local.get $h)) (i32.load offset=112 (local.get $h)) (local.get $j)
              (f64.load (i32.add (local.get $ee) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jloop3)))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br $aloop3))))))

  ;; $arproducts: blocks.ts arProducts (ar_i per lag m = 1..artests: packed symmetric part, and the whole
  ;; block added into the compensated sum).
  (func $arproducts (param $h i32)
    (local $T i32) (local $P i32) (local $m i32) (local $artests i32) (local $unit i32) (local $out i32) (local $o i32)
    (local $a i32) (local $b i32) (local $j i32) (local $PP i32) (local $so i32)
    (local.set $T (i32.load offset=0 (local.get $h)))
    (local.set $P (i32.load offset=4 (local.get $h)))
    (local.set $artests (i32.load offset=20 (local.get $h)))
    (local.set $unit (i32.load offset=124 (local.get $h)))
    (local.set $out (i32.load offset=128 (local.get $h)))
    (local.set $PP (i32.mul (local.get $P) (local.get $P)))
    (local.set $m (i32.const 1))
    (block $mdone (loop $mloop
      (br_if $mdone (i32.gt_s (local.get $m) (local.get $artests)))
      (call $crossrows (local.get $unit) (i32.load offset=28 (local.get $h)) (i32.load offset=24 (local.get $h)) (local.get $T) (local.get $m)
        (local.get $P) (i32.load offset=32 (local.get $h)) (i32.load offset=36 (local.get $h)))
      (local.set $a (i32.const 0))
      (block $adone (loop $aloop
        (br_if $adone (i32.ge_s (local.get $a) (local.get $P)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const 3)))
          (f64.load (i32.add (local.get $unit) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $a)) (i32.const 3)))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $b (i32.add (local.get $a) (i32.const 1)))
        (block $bdone (loop $bloop
          (br_if $bdone (i32.ge_s (local.get $b) (local.get $P)))
          (f64.store (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const 3)))
            (f64.mul (f64.const 0.5)
              (f64.add (f64.load (i32.add (local.get $unit) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $b)) (i32.const 3))))
                (f64.load (i32.add (local.get $unit) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $P)) (local.get $a)) (i32.const 3)))))))
          (local.set $o (i32.add (local.get $o) (i32.const 1)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $bloop)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $aloop)))
      (local.set $so (i32.mul (i32.sub (local.get $m) (i32.const 1)) (local.get $PP)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_s (local.get $j) (local.get $PP)))
        (call $addsum (i32.load offset=132 (local.get $h)) (i32.load offset=136 (local.get $h)) (i32.add (local.get $so) (local.get $j))
          (f64.load (i32.add (local.get $unit) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jloop)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $mloop))))

  ;; $momentblock: blocks.ts momentBlock into the unit's zw (L×P, zeroed here).
  (func $momentblock (param $h i32)
    (local $ad i32) (local $P i32) (local $L i32) (local $nr i32) (local $w i32) (local $nzLen i32) (local $nzCol i32) (local $zs i32) (local $zc i32) (local $zv i32)
    (local $gramRow i32) (local $nGram i32) (local $gramCols i32) (local $zw i32) (local $g i32)
    (local $r i32) (local $ro i32) (local $len i32) (local $p i32) (local $pend i32) (local $c i32) (local $v f64) (local $a i32) (local $j i32) (local $k i32) (local $s i32)
    (local.set $P (i32.load offset=4 (local.get $h)))
    (local.set $L (i32.load offset=8 (local.get $h)))
    (local.set $w (i32.load offset=40 (local.get $h)))
    (local.set $nzLen (i32.load offset=44 (local.get $h)))
    (local.set $nzCol (i32.load offset=48 (local.get $h)))
    (local.set $zs (i32.load offset=52 (local.get $h)))
    (local.set $zc (i32.load offset=56 (local.get $h)))
    (local.set $zv (i32.load offset=60 (local.get $h)))
    (local.set $gramRow (i32.load offset=80 (local.get $h)))
    (local.set $nGram (i32.load offset=84 (local.get $h)))
    (local.set $gramCols (i32.load offset=88 (local.get $h)))
    (local.set $g (i32.load offset=92 (local.get $h)))
    (local.set $zw (i32.load offset=140 (local.get $h)))
    (local.set $nr (i32.load offset=188 (local.get $h)))
    (memory.fill (local.get $zw) (i32.const 0) (i32.shl (i32.mul (local.get $L) (local.get $P)) (i32.const 3)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $nr)))
      (local.set $ro (i32.mul (local.get $r) (local.get $P)))
      (local.set $len (i32.load (i32.add (local.get $nzLen) (i32.shl (local.get $r) (i32.const 2)))))
      (if (local.get $len)
        (then
          (local.set $p (i32.load (i32.add (local.get $zs) (i32.shl (local.get $r) (i32.const 2)))))
          (local.set $pend (i32.load (i32.add (local.get $zs) (i32.shl (i32.add (local.get $r) (i32.const 1)) (i32.const 2)))))
          (block $pdone (loop $ploop
            (br_if $pdone (i32.ge_s (local.get $p) (local.get $pend)))
            (local.set $c (i32.load (i32.add (local.get $zc) (i32.shl (local.get $p) (i32.const 2)))))
            (if (i32.or (i32.eqz (local.get $nGram)) (i32.lt_s (i32.load (i32.add (local.get $gramRow) (i32.shl (local.get $c) (i32.const 2)))) (i32.const 0)))
              (then
                (local.set $v (f64.load (i32.add (local.get $zv) (i32.shl (local.get $p) (i32.const 3)))))
                (if (i32.eq (local.get $len) (local.get $P))
                  (then
                    (local.set $a (i32.const 0))
                    (block $adone (loop $aloop
                      (br_if $adone (i32.ge_s (local.get $a) (local.get $P)))
                      (local.set $ad (i32.add (local.get $zw) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $a)) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $v) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $a)) (i32.const 3)))))))
                      (local.set $a (i32.add (local.get $a) (i32.const 1)))
                      (br $aloop))))
                  (else
                    (local.set $j (i32.const 0))
                    (block $jdone (loop $jloop
                      (br_if $jdone (i32.ge_s (local.get $j) (local.get $len)))
                      (local.set $a (i32.load (i32.add (local.get $nzCol) (i32.shl (i32.add (local.get $ro) (local.get $j)) (i32.const 2)))))
                      (local.set $ad (i32.add (local.get $zw) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $a)) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $v) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $ro) (local.get $a)) (i32.const 3)))))))
                      (local.set $j (i32.add (local.get $j) (i32.const 1)))
                      (br $jloop)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $ploop)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
    ;; Instruments that are columns of W: their row of zw from the Gram over the transformed rows.
    (block $kdone (loop $kloop
      (br_if $kdone (i32.ge_s (local.get $k) (local.get $nGram)))
      (local.set $c (i32.load (i32.add (local.get $gramCols) (i32.shl (local.get $k) (i32.const 2)))))
      (local.set $s (i32.load (i32.add (local.get $gramRow) (i32.shl (local.get $c) (i32.const 2)))))
      (local.set $a (i32.const 0))
      (block $adone2 (loop $aloop2
        (br_if $adone2 (i32.ge_s (local.get $a) (local.get $P)))
        (f64.store (i32.add (local.get $zw) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $a)) (i32.const 3)))
          (f64.load (i32.add (local.get $g) (i32.shl (select (i32.add (i32.mul (local.get $a) (local.get $P)) (local.get $s)) (i32.add (i32.mul (local.get $s) (local.get $P)) (local.get $a))
              (i32.lt_s (local.get $a) (local.get $s))) (i32.const 3)))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $aloop2)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kloop))))

  ;; $zhzdense: blocks.ts zhzBlock with zhzDense and addOuter, then addZHZ without keepZHZ. With the
  ;; header's dense flag (few instruments), addOuter updates whole rows of the triangle two entries at a
  ;; time: entries b ≥ a of each row a with q_a ≠ 0, those with q_b = 0 too (adding q_a·0 changes no
  ;; entry), so each entry's sum has the same terms in the same order.
  (func $zhzdense (param $h i32)
    (local $ad i32) (local $L i32) (local $zs i32) (local $zc i32) (local $zv i32) (local $Fn i32) (local $Fs i32) (local $Fr i32) (local $Fc i32)
    (local $q i32) (local $touched i32) (local $dst i32) (local $track i32) (local $mark i32) (local $list i32) (local $stamp i32) (local $rowOff i32)
    (local $f i32) (local $e i32) (local $eend i32) (local $j i32) (local $p i32) (local $pend i32) (local $any i32) (local $cf f64)
    (local $nt i32) (local $c i32) (local $a i32) (local $b i32) (local $ca i32) (local $qa f64) (local $base i32) (local $at i32) (local $nz i32) (local $k i32) (local $m i32) (local $x f64)
    (local $zhzHi i32) (local $zhzLo i32) (local $hiAt i32) (local $loAt i32) (local $hv f64) (local $t f64) (local $bb f64)
    (local $dense i32) (local $av v128)
    (local.set $L (i32.load offset=8 (local.get $h)))
    (local.set $dense (i32.load offset=408 (local.get $h)))
    (local.set $zs (i32.load offset=52 (local.get $h)))
    (local.set $zc (i32.load offset=56 (local.get $h)))
    (local.set $zv (i32.load offset=60 (local.get $h)))
    (local.set $Fn (i32.load offset=64 (local.get $h)))
    (local.set $Fs (i32.load offset=68 (local.get $h)))
    (local.set $Fr (i32.load offset=72 (local.get $h)))
    (local.set $Fc (i32.load offset=76 (local.get $h)))
    (local.set $q (i32.load offset=144 (local.get $h)))
    (local.set $touched (i32.load offset=148 (local.get $h)))
    (local.set $dst (i32.load offset=152 (local.get $h)))
    (local.set $track (i32.load offset=156 (local.get $h)))
    (local.set $mark (i32.load offset=160 (local.get $h)))
    (local.set $list (i32.load offset=164 (local.get $h)))
    (local.set $rowOff (i32.load offset=180 (local.get $h)))
    (local.set $stamp (i32.add (i32.load offset=168 (local.get $h)) (i32.const 1)))
    (i32.store offset=168 (local.get $h) (local.get $stamp))
    (if (i32.load offset=116 (local.get $h))
      (then (memory.fill (local.get $dst) (i32.const 0) (i32.shl (i32.load offset=184 (local.get $h)) (i32.const 3)))))
    (block $fdone (loop $floop
      (br_if $fdone (i32.ge_s (local.get $f) (local.get $Fn)))
      (local.set $any (i32.const 0))
      (local.set $e (i32.load (i32.add (local.get $Fs) (i32.shl (local.get $f) (i32.const 2)))))
      (local.set $eend (i32.load (i32.add (local.get $Fs) (i32.shl (i32.add (local.get $f) (i32.const 1)) (i32.const 2)))))
      (block $edone (loop $eloop
        (br_if $edone (i32.ge_s (local.get $e) (local.get $eend)))
        (local.set $j (i32.load (i32.add (local.get $Fr) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $p (i32.load (i32.add (local.get $zs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $pend (i32.load (i32.add (local.get $zs) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)))))
        (if (i32.ne (local.get $p) (local.get $pend))
          (then
            (local.set $any (i32.const 1))
            (local.set $cf (f64.load (i32.add (local.get $Fc) (i32.shl (local.get $e) (i32.const 3)))))
            (block $pdone (loop $ploop
              (br_if $pdone (i32.ge_s (local.get $p) (local.get $pend)))
              (local.set $ad (i32.add (local.get $q) (i32.shl (i32.load (i32.add (local.get $zc) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $cf) (f64.load (i32.add (local.get $zv) (i32.shl (local.get $p) (i32.const 3)))))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $ploop)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $eloop)))
      (if (i32.and (local.get $any) (local.get $dense))
        (then
          (local.set $a (i32.const 0))
          (block $ddone (loop $dloop
            (br_if $ddone (i32.ge_s (local.get $a) (local.get $L)))
            (local.set $qa (f64.load (i32.add (local.get $q) (i32.shl (local.get $a) (i32.const 3)))))
            (if (f64.ne (local.get $qa) (f64.const 0))
              (then
                ;; entry (a, b) of the packed triangle at rowOff[a] + b − a
                (local.set $base (i32.add (local.get $dst) (i32.shl (i32.sub (i32.load (i32.add (local.get $rowOff) (i32.shl (local.get $a) (i32.const 2)))) (local.get $a)) (i32.const 3))))
                (local.set $av (f64x2.splat (local.get $qa)))
                (local.set $b (local.get $a))
                (block $bdone2 (loop $bloop2
                  (br_if $bdone2 (i32.gt_s (i32.add (local.get $b) (i32.const 2)) (local.get $L)))
                  (local.set $ad (i32.add (local.get $base) (i32.shl (local.get $b) (i32.const 3))))
                  (v128.store (local.get $ad)
                    (f64x2.add (v128.load (local.get $ad)) (f64x2.mul (local.get $av) (v128.load (i32.add (local.get $q) (i32.shl (local.get $b) (i32.const 3)))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 2)))
                  (br $bloop2)))
                (if (i32.lt_s (local.get $b) (local.get $L))
                  (then
                    (local.set $ad (i32.add (local.get $base) (i32.shl (local.get $b) (i32.const 3))))
                    (f64.store (local.get $ad)
                      (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $qa) (f64.load (i32.add (local.get $q) (i32.shl (local.get $b) (i32.const 3)))))))))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $dloop)))
          (memory.fill (local.get $q) (i32.const 0) (i32.shl (local.get $L) (i32.const 3)))
          (local.set $any (i32.const 0))))
      (if (local.get $any)
        (then
          (local.set $nt (i32.const 0))
          (local.set $c (i32.const 0))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_s (local.get $c) (local.get $L)))
            (if (f64.ne (f64.load (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3)))) (f64.const 0))
              (then
                (i32.store (i32.add (local.get $touched) (i32.shl (local.get $nt) (i32.const 2))) (local.get $c))
                (local.set $nt (i32.add (local.get $nt) (i32.const 1)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cloop)))
          ;; addOuter
          (local.set $a (i32.const 0))
          (block $adone (loop $aloop
            (br_if $adone (i32.ge_s (local.get $a) (local.get $nt)))
            (local.set $ca (i32.load (i32.add (local.get $touched) (i32.shl (local.get $a) (i32.const 2)))))
            (local.set $qa (f64.load (i32.add (local.get $q) (i32.shl (local.get $ca) (i32.const 3)))))
            (if (f64.ne (local.get $qa) (f64.const 0))
              (then
                (local.set $base (i32.sub (i32.load (i32.add (local.get $rowOff) (i32.shl (local.get $ca) (i32.const 2)))) (local.get $ca)))
                (local.set $b (local.get $a))
                (block $bdone (loop $bloop
                  (br_if $bdone (i32.ge_s (local.get $b) (local.get $nt)))
                  (local.set $c (i32.load (i32.add (local.get $touched) (i32.shl (local.get $b) (i32.const 2)))))
                  (local.set $at (i32.add (local.get $base) (local.get $c)))
                  (if (local.get $track)
                    (then
                      (if (i32.ne (i32.load (i32.add (local.get $mark) (i32.shl (local.get $at) (i32.const 2)))) (local.get $stamp))
                        (then
                          (i32.store (i32.add (local.get $mark) (i32.shl (local.get $at) (i32.const 2))) (local.get $stamp))
                          (i32.store (i32.add (local.get $list) (i32.shl (local.get $nz) (i32.const 2))) (local.get $at))
                          (local.set $nz (i32.add (local.get $nz) (i32.const 1)))))))
                  (local.set $ad (i32.add (local.get $dst) (i32.shl (local.get $at) (i32.const 3))))
              (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.mul (local.get $qa) (f64.load (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 3)))))))
                  (local.set $b (i32.add (local.get $b) (i32.const 1)))
                  (br $bloop)))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $aloop)))
          ;; clear q where touched
          (local.set $k (i32.const 0))
          (block $kdone (loop $kloop
            (br_if $kdone (i32.ge_s (local.get $k) (local.get $nt)))
            (f64.store (i32.add (local.get $q) (i32.shl (i32.load (i32.add (local.get $touched) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))) (f64.const 0))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kloop)))))
      (local.set $f (i32.add (local.get $f) (i32.const 1)))
      (br $floop)))
    ;; addZHZ: the unit's Z'HZ into the compensated sum, clearing what it added; without tracking every
    ;; entry, two at a time (a zero term changes neither hi nor lo).
    (if (i32.and (i32.eqz (i32.load offset=116 (local.get $h))) (i32.eqz (local.get $track)))
      (then
        (local.set $m (i32.load offset=184 (local.get $h)))
        (local.set $zhzHi (i32.load offset=172 (local.get $h)))
        (local.set $zhzLo (i32.load offset=176 (local.get $h)))
        (local.set $k (i32.const 0))
        (block $vdone (loop $vloop
          (br_if $vdone (i32.gt_s (i32.add (local.get $k) (i32.const 2)) (local.get $m)))
          (local.set $at (i32.shl (local.get $k) (i32.const 3)))
          (call $twosum2 (i32.add (local.get $zhzHi) (local.get $at)) (i32.add (local.get $zhzLo) (local.get $at))
            (v128.load (i32.add (local.get $dst) (local.get $at))))
          (local.set $k (i32.add (local.get $k) (i32.const 2)))
          (br $vloop)))
        (if (i32.lt_s (local.get $k) (local.get $m))
          (then
            (local.set $at (i32.shl (local.get $k) (i32.const 3)))
            (call $twosum1 (i32.add (local.get $zhzHi) (local.get $at)) (i32.add (local.get $zhzLo) (local.get $at))
              (f64.load (i32.add (local.get $dst) (local.get $at))))))
        (memory.fill (local.get $dst) (i32.const 0) (i32.shl (local.get $m) (i32.const 3)))
        (return)))
    ;; With tracking, only the touched entries (list[0 .. nz)), one at a time.
    (if (i32.eqz (i32.load offset=116 (local.get $h)))
      (then
        (local.set $zhzHi (i32.load offset=172 (local.get $h)))
        (local.set $zhzLo (i32.load offset=176 (local.get $h)))
        (local.set $k (i32.const 0))
        (block $zdone (loop $zloop
          (br_if $zdone (i32.ge_s (local.get $k) (local.get $nz)))
          (local.set $j (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $x (f64.load (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 3)))))
          (if (f64.ne (local.get $x) (f64.const 0))
            (then
              ;; $twosum1, written out.
              (local.set $hiAt (i32.add (local.get $zhzHi) (i32.shl (local.get $j) (i32.const 3))))
              (local.set $loAt (i32.add (local.get $zhzLo) (i32.shl (local.get $j) (i32.const 3))))
              (local.set $hv (f64.load (local.get $hiAt)))
              (local.set $t (f64.add (local.get $hv) (local.get $x)))
              (local.set $bb (f64.sub (local.get $t) (local.get $hv)))
              (f64.store (local.get $loAt)
                (f64.add (f64.load (local.get $loAt))
                  (f64.add (f64.sub (local.get $hv) (f64.sub (local.get $t) (local.get $bb))) (f64.sub (local.get $x) (local.get $bb)))))
              (f64.store (local.get $hiAt) (local.get $t))
              (f64.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $zloop))))))

  ;; zfill: instruments.ts InstrumentRows.fill without principal components: the unit's instrument rows
  ;; (zstart, zcol, zval) from the rows UnitRows.load laid out in this memory (raw, ivT, gmmLev, gmmDif,
  ;; useT, useL) and the flattened plan (instruments.ts flattenPlan), entries in fill's order.
  (func (export "zfill") (param $h i32)
    (local $T i32) (local $nrows i32) (local $zs i32) (local $zc i32) (local $zv i32) (local $raw i32) (local $ivT i32)
    (local $useT i32) (local $useL i32) (local $ivOff i32) (local $nTrans i32) (local $transV i32) (local $transCol i32)
    (local $transRaw i32) (local $nLevel i32) (local $levelV i32) (local $levelCol i32) (local $consCol i32) (local $nb i32)
    (local $r i32) (local $level i32) (local $t i32) (local $n i32) (local $e i32) (local $k i32) (local $j i32) (local $tau i32)
    (local $lo i32) (local $src i32) (local $v0 i32) (local $nv i32) (local $c0 i32) (local $x f64)
    (local.set $T (i32.load offset=0 (local.get $h)))
    (local.set $nrows (i32.load offset=188 (local.get $h)))
    (local.set $zs (i32.load offset=52 (local.get $h)))
    (local.set $zc (i32.load offset=56 (local.get $h)))
    (local.set $zv (i32.load offset=60 (local.get $h)))
    (local.set $raw (i32.load offset=192 (local.get $h)))
    (local.set $ivT (i32.load offset=196 (local.get $h)))
    (local.set $useT (i32.load offset=208 (local.get $h)))
    (local.set $useL (i32.load offset=212 (local.get $h)))
    (local.set $ivOff (i32.load offset=216 (local.get $h)))
    (local.set $nTrans (i32.load offset=220 (local.get $h)))
    (local.set $transV (i32.load offset=224 (local.get $h)))
    (local.set $transCol (i32.load offset=228 (local.get $h)))
    (local.set $transRaw (i32.load offset=232 (local.get $h)))
    (local.set $nLevel (i32.load offset=236 (local.get $h)))
    (local.set $levelV (i32.load offset=240 (local.get $h)))
    (local.set $levelCol (i32.load offset=244 (local.get $h)))
    (local.set $consCol (i32.load offset=248 (local.get $h)))
    (local.set $nb (i32.load offset=252 (local.get $h)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $nrows)))
      (i32.store (i32.add (local.get $zs) (i32.shl (local.get $r) (i32.const 2))) (local.get $n))
      (local.set $level (i32.ge_s (local.get $r) (local.get $T)))
      (local.set $t (select (i32.sub (local.get $r) (local.get $T)) (local.get $r) (local.get $level)))
      (block $next
        (br_if $next (i32.eqz (i32.load8_u (i32.add (select (local.get $useL) (local.get $useT) (local.get $level)) (local.get $t)))))
        (if (i32.eqz (local.get $level))
          (then
            ;; iv-style entries of a transformed row: passthru ones from raw, the others transformed.
            (local.set $e (i32.const 0))
            (block $edone (loop $eloop
              (br_if $edone (i32.ge_s (local.get $e) (local.get $nTrans)))
              (local.set $j (i32.add (i32.mul (i32.load (i32.add (local.get $transV) (i32.shl (local.get $e) (i32.const 2)))) (local.get $T)) (local.get $t)))
              (local.set $x
                (if (result f64) (i32.load (i32.add (local.get $transRaw) (i32.shl (local.get $e) (i32.const 2))))
                  (then (f64.load (i32.add (local.get $raw) (i32.shl (i32.add (local.get $ivOff) (local.get $j)) (i32.const 3)))))
                  (else (f64.load (i32.add (local.get $ivT) (i32.shl (local.get $j) (i32.const 3)))))))
              (if (f64.ne (local.get $x) (local.get $x)) (then (local.set $x (f64.const 0))))
              (if (f64.ne (local.get $x) (f64.const 0))
                (then
                  (i32.store (i32.add (local.get $zc) (i32.shl (local.get $n) (i32.const 2))) (i32.load (i32.add (local.get $transCol) (i32.shl (local.get $e) (i32.const 2)))))
                  (f64.store (i32.add (local.get $zv) (i32.shl (local.get $n) (i32.const 3))) (local.get $x))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (br $eloop))))
          (else
            ;; iv-style entries of a level row, from raw, then the constant.
            (local.set $e (i32.const 0))
            (block $ldone (loop $lloop
              (br_if $ldone (i32.ge_s (local.get $e) (local.get $nLevel)))
              (local.set $x (f64.load (i32.add (local.get $raw)
                (i32.shl (i32.add (local.get $ivOff) (i32.add (i32.mul (i32.load (i32.add (local.get $levelV) (i32.shl (local.get $e) (i32.const 2)))) (local.get $T)) (local.get $t))) (i32.const 3)))))
              (if (f64.ne (local.get $x) (local.get $x)) (then (local.set $x (f64.const 0))))
              (if (f64.ne (local.get $x) (f64.const 0))
                (then
                  (i32.store (i32.add (local.get $zc) (i32.shl (local.get $n) (i32.const 2))) (i32.load (i32.add (local.get $levelCol) (i32.shl (local.get $e) (i32.const 2)))))
                  (f64.store (i32.add (local.get $zv) (i32.shl (local.get $n) (i32.const 3))) (local.get $x))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (br $lloop)))
            (if (i32.ge_s (local.get $consCol) (i32.const 0))
              (then
                (i32.store (i32.add (local.get $zc) (i32.shl (local.get $n) (i32.const 2))) (local.get $consCol))
                (f64.store (i32.add (local.get $zv) (i32.shl (local.get $n) (i32.const 3))) (f64.const 1))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
        ;; gmm-style lag blocks of this row's equation.
        (local.set $k (i32.const 0))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.ge_s (local.get $k) (local.get $nb)))
          (block $knext
            (br_if $knext (i32.ne (i32.load (i32.add (i32.load offset=256 (local.get $h)) (i32.shl (local.get $k) (i32.const 2)))) (local.get $level)))
            (local.set $tau (i32.sub (local.get $t) (i32.load (i32.add (i32.load offset=264 (local.get $h)) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $lo (i32.load (i32.add (i32.load offset=268 (local.get $h)) (i32.shl (local.get $k) (i32.const 2)))))
            (br_if $knext (i32.lt_s (local.get $tau) (local.get $lo)))
            (br_if $knext (i32.gt_s (local.get $tau) (i32.load (i32.add (i32.load offset=272 (local.get $h)) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $src (select (i32.load offset=204 (local.get $h)) (i32.load offset=200 (local.get $h))
              (i32.load (i32.add (i32.load offset=260 (local.get $h)) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $v0 (i32.load (i32.add (i32.load offset=288 (local.get $h)) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $nv (i32.sub (i32.load (i32.add (i32.load offset=288 (local.get $h)) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 2)))) (local.get $v0)))
            (local.set $c0 (i32.add (i32.load (i32.add (i32.load offset=276 (local.get $h)) (i32.shl (local.get $k) (i32.const 2))))
              (i32.mul (i32.sub (local.get $tau) (local.get $lo)) (i32.load (i32.add (i32.load offset=280 (local.get $h)) (i32.shl (local.get $k) (i32.const 2)))))))
            (local.set $j (i32.const 0))
            (block $jdone (loop $jloop
              (br_if $jdone (i32.ge_s (local.get $j) (local.get $nv)))
              (local.set $x (f64.load (i32.add (local.get $src)
                (i32.shl (i32.add (i32.mul (i32.load (i32.add (i32.load offset=284 (local.get $h)) (i32.shl (i32.add (local.get $v0) (local.get $j)) (i32.const 2)))) (local.get $T)) (local.get $tau)) (i32.const 3)))))
              (if (f64.ne (local.get $x) (f64.const 0))
                (then
                  (i32.store (i32.add (local.get $zc) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $c0) (local.get $j)))
                  (f64.store (i32.add (local.get $zv) (i32.shl (local.get $n) (i32.const 3))) (local.get $x))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jloop))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kloop))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
    (i32.store (i32.add (local.get $zs) (i32.shl (local.get $nrows) (i32.const 2))) (local.get $n)))

  ;; rowtail: design.ts UnitRows.load after its gather, for first differences (not orthogonal
  ;; deviations): the sample marks (touseVar, complete), the transformed rows (yT, xT, ivT, useT), the
  ;; level rows (yL, xL, useL), the gmm-style sources (gmmLev, gmmDif) and each period's status
  ;; (UnitRows.classify), from raw, present and qualified, in load's order of operations.
  (func (export "rowtail") (param $h i32)
    (local $T i32) (local $K i32) (local $k0 i32) (local $cons i32) (local $system i32) (local $ivOff i32) (local $raw i32)
    (local $yT i32) (local $xT i32) (local $ivT i32) (local $useT i32) (local $touse i32) (local $complete i32)
    (local $t i32) (local $s i32) (local $j i32) (local $v i32) (local $k i32) (local $ok i32) (local $o i32) (local $a i32)
    (local $x f64) (local $dx f64) (local $code i32) (local $row i32)
    (local.set $T (i32.load offset=0 (local.get $h)))
    (local.set $K (i32.load offset=308 (local.get $h)))
    (local.set $k0 (i32.load offset=328 (local.get $h)))
    (local.set $cons (i32.load offset=332 (local.get $h)))
    (local.set $system (i32.load offset=12 (local.get $h)))
    (local.set $ivOff (i32.mul (i32.load offset=336 (local.get $h)) (local.get $T)))
    (local.set $raw (i32.load offset=192 (local.get $h)))
    (local.set $yT (i32.load offset=292 (local.get $h)))
    (local.set $xT (i32.load offset=296 (local.get $h)))
    (local.set $ivT (i32.load offset=196 (local.get $h)))
    (local.set $useT (i32.load offset=208 (local.get $h)))
    (local.set $touse (i32.load offset=360 (local.get $h)))
    (local.set $complete (i32.load offset=364 (local.get $h)))
    ;; Sample marks.
    (local.set $t (i32.const 0))
    (block $mdone (loop $mloop
      (br_if $mdone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $ok (i32.eq (i32.load8_u (i32.add (i32.load offset=356 (local.get $h)) (local.get $t))) (i32.const 1)))
      (local.set $s (i32.const 0))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.or (i32.eqz (local.get $ok)) (i32.gt_s (local.get $s) (local.get $k0))))
        (local.set $x (f64.load (i32.add (local.get $raw) (i32.shl (i32.add (i32.mul (local.get $s) (local.get $T)) (local.get $t)) (i32.const 3)))))
        (local.set $ok (f64.eq (local.get $x) (local.get $x)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sloop)))
      (i32.store8 (i32.add (local.get $touse) (local.get $t)) (local.get $ok))
      (local.set $j (i32.const 0))
      (block $cdone (loop $cloop
        (br_if $cdone (i32.or (i32.eqz (local.get $ok)) (i32.ge_s (local.get $j) (i32.load offset=380 (local.get $h)))))
        (local.set $v (i32.load (i32.add (i32.load offset=376 (local.get $h)) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $x (f64.load (i32.add (local.get $raw) (i32.shl (i32.add (local.get $ivOff) (i32.add (i32.mul (local.get $v) (local.get $T)) (local.get $t))) (i32.const 3)))))
        (local.set $ok (f64.eq (local.get $x) (local.get $x)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cloop)))
      (i32.store8 (i32.add (local.get $complete) (local.get $t)) (local.get $ok))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $mloop)))
    ;; Transformed equation (first differences: row t holds x_t − x_{t−1}, row 0 NaN): y, the
    ;; regressors, the constant's zeros, the iv-style variables (a copy where one is y or a regressor).
    (f64.store (local.get $yT) (f64.const nan))
    (local.set $t (i32.const 1))
    (block $ydone (loop $yloop
      (br_if $ydone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $a (i32.add (local.get $raw) (i32.shl (local.get $t) (i32.const 3))))
      (f64.store (i32.add (local.get $yT) (i32.shl (local.get $t) (i32.const 3)))
        (f64.sub (f64.load (local.get $a)) (f64.load (i32.sub (local.get $a) (i32.const 8)))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $yloop)))
    (local.set $k (i32.const 0))
    (block $xdone (loop $xloop
      (br_if $xdone (i32.ge_s (local.get $k) (local.get $k0)))
      (f64.store (i32.add (local.get $xT) (i32.shl (local.get $k) (i32.const 3))) (f64.const nan))
      (local.set $o (i32.mul (i32.add (local.get $k) (i32.const 1)) (local.get $T)))
      (local.set $t (i32.const 1))
      (block $xtdone (loop $xtloop
        (br_if $xtdone (i32.ge_s (local.get $t) (local.get $T)))
        (local.set $a (i32.add (local.get $raw) (i32.shl (i32.add (local.get $o) (local.get $t)) (i32.const 3))))
        (f64.store (i32.add (local.get $xT) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $k)) (i32.const 3)))
          (f64.sub (f64.load (local.get $a)) (f64.load (i32.sub (local.get $a) (i32.const 8)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $xtloop)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $xloop)))
    (if (local.get $cons)
      (then
        (local.set $t (i32.const 0))
        (block $zdone (loop $zloop
          (br_if $zdone (i32.ge_s (local.get $t) (local.get $T)))
          (f64.store (i32.add (local.get $xT) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $k0)) (i32.const 3))) (f64.const 0))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $zloop)))))
    (local.set $v (i32.const 0))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_s (local.get $v) (i32.load offset=344 (local.get $h))))
      (local.set $s (i32.load (i32.add (i32.load offset=372 (local.get $h)) (i32.shl (local.get $v) (i32.const 2)))))
      (local.set $o (i32.mul (local.get $v) (local.get $T)))
      (local.set $t (i32.const 0))
      (block $ivdone (loop $ivloop
        (br_if $ivdone (i32.ge_s (local.get $t) (local.get $T)))
        (f64.store (i32.add (local.get $ivT) (i32.shl (i32.add (local.get $o) (local.get $t)) (i32.const 3)))
          (if (result f64) (i32.eqz (local.get $s))
            (then (f64.load (i32.add (local.get $yT) (i32.shl (local.get $t) (i32.const 3)))))
            (else
              (if (result f64) (i32.gt_s (local.get $s) (i32.const 0))
                (then (f64.load (i32.add (local.get $xT) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (i32.sub (local.get $s) (i32.const 1))) (i32.const 3)))))
                (else
                  (if (result f64) (i32.eqz (local.get $t))
                    (then (f64.const nan))
                    (else
                      (local.set $a (i32.add (local.get $raw) (i32.shl (i32.add (local.get $ivOff) (i32.add (local.get $o) (local.get $t))) (i32.const 3))))
                      (f64.sub (f64.load (local.get $a)) (f64.load (i32.sub (local.get $a) (i32.const 8)))))))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ivloop)))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br $vloop)))
    ;; useT: the period's marks, y, the regressors and the transformed and passthru iv variables present.
    (local.set $t (i32.const 0))
    (block $udone (loop $uloop
      (br_if $udone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $ok (i32.load8_u (i32.add (local.get $touse) (local.get $t))))
      (if (local.get $ok)
        (then
          (local.set $x (f64.load (i32.add (local.get $yT) (i32.shl (local.get $t) (i32.const 3)))))
          (local.set $ok (f64.eq (local.get $x) (local.get $x)))))
      (local.set $k (i32.const 0))
      (block $ukdone (loop $ukloop
        (br_if $ukdone (i32.or (i32.eqz (local.get $ok)) (i32.ge_s (local.get $k) (local.get $k0))))
        (local.set $x (f64.load (i32.add (local.get $xT) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $k)) (i32.const 3)))))
        (local.set $ok (f64.eq (local.get $x) (local.get $x)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $ukloop)))
      (local.set $j (i32.const 0))
      (block $ujdone (loop $ujloop
        (br_if $ujdone (i32.or (i32.eqz (local.get $ok)) (i32.ge_s (local.get $j) (i32.load offset=388 (local.get $h)))))
        (local.set $v (i32.load (i32.add (i32.load offset=384 (local.get $h)) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $x (f64.load (i32.add (local.get $ivT) (i32.shl (i32.add (i32.mul (local.get $v) (local.get $T)) (local.get $t)) (i32.const 3)))))
        (local.set $ok (f64.eq (local.get $x) (local.get $x)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $ujloop)))
      (local.set $j (i32.const 0))
      (block $urdone (loop $urloop
        (br_if $urdone (i32.or (i32.eqz (local.get $ok)) (i32.ge_s (local.get $j) (i32.load offset=396 (local.get $h)))))
        (local.set $v (i32.load (i32.add (i32.load offset=392 (local.get $h)) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $x (f64.load (i32.add (local.get $raw) (i32.shl (i32.add (local.get $ivOff) (i32.add (i32.mul (local.get $v) (local.get $T)) (local.get $t))) (i32.const 3)))))
        (local.set $ok (f64.eq (local.get $x) (local.get $x)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $urloop)))
      (i32.store8 (i32.add (local.get $useT) (local.get $t)) (local.get $ok))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $uloop)))
    ;; Level equation.
    (if (local.get $system)
      (then
        (local.set $t (i32.const 0))
        (block $ldone (loop $lloop
          (br_if $ldone (i32.ge_s (local.get $t) (local.get $T)))
          (f64.store (i32.add (i32.load offset=300 (local.get $h)) (i32.shl (local.get $t) (i32.const 3)))
            (f64.load (i32.add (local.get $raw) (i32.shl (local.get $t) (i32.const 3)))))
          (local.set $k (i32.const 0))
          (block $lkdone (loop $lkloop
            (br_if $lkdone (i32.ge_s (local.get $k) (local.get $k0)))
            (f64.store (i32.add (i32.load offset=304 (local.get $h)) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $k)) (i32.const 3)))
              (f64.load (i32.add (local.get $raw) (i32.shl (i32.add (i32.mul (i32.add (local.get $k) (i32.const 1)) (local.get $T)) (local.get $t)) (i32.const 3)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $lkloop)))
          (if (local.get $cons)
            (then (f64.store (i32.add (i32.load offset=304 (local.get $h)) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $k0)) (i32.const 3))) (f64.const 1))))
          (local.set $ok (i32.load8_u (i32.add (local.get $touse) (local.get $t))))
          (local.set $j (i32.const 0))
          (block $ljdone (loop $ljloop
            (br_if $ljdone (i32.or (i32.eqz (local.get $ok)) (i32.ge_s (local.get $j) (i32.load offset=404 (local.get $h)))))
            (local.set $v (i32.load (i32.add (i32.load offset=400 (local.get $h)) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $x (f64.load (i32.add (local.get $raw) (i32.shl (i32.add (local.get $ivOff) (i32.add (i32.mul (local.get $v) (local.get $T)) (local.get $t))) (i32.const 3)))))
            (local.set $ok (f64.eq (local.get $x) (local.get $x)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $ljloop)))
          (i32.store8 (i32.add (i32.load offset=212 (local.get $h)) (local.get $t)) (local.get $ok))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $lloop)))))
    ;; gmm-style sources, missing = 0: levels, and first differences (none at t = 0).
    (local.set $v (i32.const 0))
    (block $gdone (loop $gloop
      (br_if $gdone (i32.ge_s (local.get $v) (i32.load offset=348 (local.get $h))))
      (local.set $o (i32.mul (i32.add (i32.load offset=340 (local.get $h)) (local.get $v)) (local.get $T)))
      (local.set $t (i32.const 0))
      (block $gtdone (loop $gtloop
        (br_if $gtdone (i32.ge_s (local.get $t) (local.get $T)))
        (local.set $a (i32.add (local.get $raw) (i32.shl (i32.add (local.get $o) (local.get $t)) (i32.const 3))))
        (local.set $x (f64.load (local.get $a)))
        (local.set $j (i32.shl (i32.add (i32.mul (local.get $v) (local.get $T)) (local.get $t)) (i32.const 3)))
        (f64.store (i32.add (i32.load offset=200 (local.get $h)) (local.get $j)) (select (f64.const 0) (local.get $x) (f64.ne (local.get $x) (local.get $x))))
        (local.set $dx (if (result f64) (i32.gt_s (local.get $t) (i32.const 0))
          (then (f64.sub (local.get $x) (f64.load (i32.sub (local.get $a) (i32.const 8)))))
          (else (f64.const nan))))
        (f64.store (i32.add (i32.load offset=204 (local.get $h)) (local.get $j)) (select (f64.const 0) (local.get $dx) (f64.ne (local.get $dx) (local.get $dx))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $gtloop)))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br $gloop)))
    ;; Status of each period (UnitRows.classify, first differences: a row's own period).
    (local.set $t (i32.const 0))
    (block $sdone2 (loop $sloop2
      (br_if $sdone2 (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $code (i32.const 1))
      (if (i32.load8_u (i32.add (i32.load offset=352 (local.get $h)) (local.get $t)))
        (then
          (if (i32.eqz (i32.load8_u (i32.add (i32.load offset=356 (local.get $h)) (local.get $t))))
            (then (local.set $code (i32.const 7)))
            (else
              (if (i32.eqz (i32.load8_u (i32.add (local.get $touse) (local.get $t))))
                (then (local.set $code (i32.const 2)))
                (else
                  (if (local.get $system)
                    (then (local.set $code (select (i32.const 0) (i32.const 3) (i32.load8_u (i32.add (i32.load offset=212 (local.get $h)) (local.get $t))))))
                    (else
                      (if (i32.load8_u (i32.add (local.get $useT) (local.get $t)))
                        (then (local.set $code (i32.const 0)))
                        (else
                          ;; Not used: no first difference (y or a regressor's is missing), else an iv one.
                          (local.set $x (f64.load (i32.add (local.get $yT) (i32.shl (local.get $t) (i32.const 3)))))
                          (local.set $ok (f64.eq (local.get $x) (local.get $x)))
                          (local.set $k (i32.const 0))
                          (block $ckdone (loop $ckloop
                            (br_if $ckdone (i32.or (i32.eqz (local.get $ok)) (i32.ge_s (local.get $k) (local.get $k0))))
                            (local.set $x (f64.load (i32.add (local.get $xT) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $k)) (i32.const 3)))))
                            (local.set $ok (f64.eq (local.get $x) (local.get $x)))
                            (local.set $k (i32.add (local.get $k) (i32.const 1)))
                            (br $ckloop)))
                          (local.set $code (select (i32.const 3) (i32.const 4) (local.get $ok)))))))))))))
      (i32.store8 (i32.add (i32.load offset=368 (local.get $h)) (local.get $t)) (local.get $code))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $sloop2))))

  ;; wrows: blocks.ts UnitPass.unitRows without its exclusion counts: W's rows that enter (y, x of
  ;; the transformed rows 0..T−1 and the level rows T..2T−1 from UnitRows' yT, xT, yL, xL) with their
  ;; nonzero columns, Σ W over the level rows into levW and their count into nLev, and the unit's row
  ;; counts (transformed rows into outT, main-equation rows into outMain).
  (func (export "wrows") (param $h i32)
    (local $T i32) (local $P i32) (local $K i32) (local $neq i32) (local $w i32) (local $nzLen i32) (local $nzCol i32)
    (local $levW i32) (local $t i32) (local $e i32) (local $r i32) (local $o i32) (local $n i32) (local $k i32) (local $j i32)
    (local $xrow i32) (local $nT i32) (local $nMain i32) (local $y f64) (local $v f64) (local $c i32) (local $ad i32)
    (local.set $T (i32.load offset=0 (local.get $h)))
    (local.set $P (i32.load offset=4 (local.get $h)))
    (local.set $K (i32.load offset=308 (local.get $h)))
    (local.set $neq (select (i32.const 2) (i32.const 1) (i32.load offset=12 (local.get $h))))
    (local.set $w (i32.load offset=40 (local.get $h)))
    (local.set $nzLen (i32.load offset=44 (local.get $h)))
    (local.set $nzCol (i32.load offset=48 (local.get $h)))
    (local.set $levW (i32.load offset=312 (local.get $h)))
    (block $tdone (loop $tloop
      (br_if $tdone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $e (i32.const 0))
      (block $edone (loop $eloop
        (br_if $edone (i32.ge_s (local.get $e) (local.get $neq)))
        (local.set $r (i32.add (i32.mul (local.get $e) (local.get $T)) (local.get $t)))
        (block $enext
          (if (i32.eqz (i32.load8_u (i32.add (select (i32.load offset=212 (local.get $h)) (i32.load offset=208 (local.get $h)) (local.get $e)) (local.get $t))))
            (then
              (i32.store (i32.add (local.get $nzLen) (i32.shl (local.get $r) (i32.const 2))) (i32.const 0))
              (br $enext)))
          ;; Row r = (y, x) of its equation.
          (local.set $y (f64.load (i32.add (select (i32.load offset=300 (local.get $h)) (i32.load offset=292 (local.get $h)) (local.get $e)) (i32.shl (local.get $t) (i32.const 3)))))
          (local.set $xrow (i32.add (select (i32.load offset=304 (local.get $h)) (i32.load offset=296 (local.get $h)) (local.get $e)) (i32.shl (i32.mul (local.get $t) (local.get $K)) (i32.const 3))))
          (local.set $o (i32.mul (local.get $r) (local.get $P)))
          (local.set $n (local.get $o))
          (if (f64.ne (local.get $y) (f64.const 0))
            (then
              (f64.store (i32.add (local.get $w) (i32.shl (local.get $o) (i32.const 3))) (local.get $y))
              (i32.store (i32.add (local.get $nzCol) (i32.shl (local.get $n) (i32.const 2))) (i32.const 0))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))))
          (local.set $k (i32.const 0))
          (block $kdone (loop $kloop
            (br_if $kdone (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $v (f64.load (i32.add (local.get $xrow) (i32.shl (local.get $k) (i32.const 3)))))
            (if (f64.ne (local.get $v) (f64.const 0))
              (then
                (f64.store (i32.add (local.get $w) (i32.shl (i32.add (i32.add (local.get $o) (i32.const 1)) (local.get $k)) (i32.const 3))) (local.get $v))
                (i32.store (i32.add (local.get $nzCol) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kloop)))
          (i32.store (i32.add (local.get $nzLen) (i32.shl (local.get $r) (i32.const 2))) (i32.sub (local.get $n) (local.get $o)))
          (if (i32.eqz (local.get $e))
            (then (local.set $nT (i32.add (local.get $nT) (i32.const 1))))
            (else
              (local.set $j (local.get $o))
              (block $jdone (loop $jloop
                (br_if $jdone (i32.ge_s (local.get $j) (local.get $n)))
                (local.set $c (i32.load (i32.add (local.get $nzCol) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $ad (i32.add (local.get $levW) (i32.shl (local.get $c) (i32.const 3))))
                (f64.store (local.get $ad) (f64.add (f64.load (local.get $ad)) (f64.load (i32.add (local.get $w) (i32.shl (i32.add (local.get $o) (local.get $c)) (i32.const 3))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jloop)))
              (i32.store offset=316 (local.get $h) (i32.add (i32.load offset=316 (local.get $h)) (i32.const 1)))
              (local.set $nMain (i32.add (local.get $nMain) (i32.const 1))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $eloop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tloop)))
    (i32.store offset=320 (local.get $h) (local.get $nT))
    (i32.store offset=324 (local.get $h) (select (local.get $nMain) (local.get $nT) (i32.eq (local.get $neq) (i32.const 2)))))

    ;; unit: one unit's crossProducts, arProducts (artests > 0), momentBlock and Z'HZ, in that order.
  (func (export "unit") (param $h i32)
    (call $crossproducts (local.get $h))
    (if (i32.load offset=20 (local.get $h)) (then (call $arproducts (local.get $h))))
    (call $momentblock (local.get $h))
    (call $zhzdense (local.get $h)))

  ;; csvrecords: the plain records of a CSV chunk, every column numeric (src/data/csv-fast.ts). The
  ;; records in bytes [p, end) (end − 1 a line feed) are read until one that is not plain, or maxRows:
  ;; each of ncol fields an unquoted decimal number ([+-]digits[.digits][(e|E)[+-]digits]) ending in
  ;; the delimiter, the last in a line feed. Value (r, c) goes to out + 8·(c·stride + r). The number is
  ;; the double CsvParser.parse gives (csv-parse.ts): its digits (at most 19 significant ones) form the
  ;; integer W exactly, eight at a time where they can; W·10^e is then one operation when W < 2^53 and
  ;; |e| ≤ 22 (Clinger's fast path, correctly rounded), else $decimal (decimal.ts decimalToDouble's
  ;; product or quotient of the same W as a double-double, with its error bound: correctly rounded or
  ;; refused). CsvParser.parse splits W into 15 digits and the rest and takes the fast path below 10^15
  ;; only, so the two do not always take the same route, nor refuse the same decimals (a W of 16 digits
  ;; below 2^53 the kernel converts directly, the TypeScript through decimalToDouble or Number()); but a
  ;; value any route decides is the correctly rounded one, which Number() gives too. Where the TypeScript would fall back to
  ;; Number() or to its general path (a missing value, a quote, a carriage return, a blank line, a wide
  ;; integer, a decimal $decimal cannot decide, a wrong field count), the kernel stops at that record's
  ;; start and the TypeScript reads it. So too where a unit-id column (byte c of exact is 1) holds a number
  ;; not written as a canonical integer (csv-parse.ts canonicalInteger: "0", or an optional minus and
  ;; digits without a leading zero), which the TypeScript keeps as text. Returns the records read; the
  ;; stop position is left at byte 0. 10^0..10^22 (exact doubles) are at pow10, written by the caller.
  (func $twoproduct (param $a f64) (param $b f64) (result f64 f64)
    (local $p f64) (local $c f64) (local $ah f64) (local $al f64) (local $bh f64) (local $bl f64)
    (local.set $p (f64.mul (local.get $a) (local.get $b)))
    (local.set $c (f64.mul (f64.const 134217729) (local.get $a)))
    (local.set $ah (f64.sub (local.get $c) (f64.sub (local.get $c) (local.get $a))))
    (local.set $al (f64.sub (local.get $a) (local.get $ah)))
    (local.set $c (f64.mul (f64.const 134217729) (local.get $b)))
    (local.set $bh (f64.sub (local.get $c) (f64.sub (local.get $c) (local.get $b))))
    (local.set $bl (f64.sub (local.get $b) (local.get $bh)))
    (local.get $p)
    (f64.add
      (f64.add
        (f64.add (f64.sub (f64.mul (local.get $ah) (local.get $bh)) (local.get $p)) (f64.mul (local.get $ah) (local.get $bl)))
        (f64.mul (local.get $al) (local.get $bh)))
      (f64.mul (local.get $al) (local.get $bl))))

  ;; $decimal: decimal.ts decimalToDouble for W·10^e with W (< 10^19) given as an exact integer: W = wh + wl
  ;; (wh = fl(W), wl = W − wh exactly, |wl| ≤ 2^10), the pair decimalToDouble forms from (hi, lo), then
  ;; its product or quotient and error bound, operation for operation; NaN where it cannot decide.
  (func $decimal (param $w i64) (param $e i32) (param $pow10 i32) (result f64)
    (local $wh f64) (local $wl f64) (local $a f64) (local $pl f64) (local $s f64) (local $x f64) (local $err f64)
    (local $P f64) (local $q1 f64) (local $q2 f64) (local $bits i64) (local $exponent i64)
    (if (i32.or (i32.gt_s (local.get $e) (i32.const 22)) (i32.lt_s (local.get $e) (i32.const -22)))
      (then (return (f64.const nan))))
    (local.set $wh (f64.convert_i64_u (local.get $w)))
    (local.set $wl (f64.convert_i64_s (i64.sub (local.get $w) (i64.trunc_f64_u (local.get $wh)))))
    (if (f64.eq (local.get $wh) (f64.const 0)) (then (return (f64.const 0))))
    (if (i32.ge_s (local.get $e) (i32.const 0))
      (then
        (local.set $P (f64.load (i32.add (local.get $pow10) (i32.shl (local.get $e) (i32.const 3)))))
        (call $twoproduct (local.get $wh) (local.get $P))
        (local.set $pl)
        (local.set $a)
        (local.set $s (f64.add (local.get $pl) (f64.mul (local.get $wl) (local.get $P))))
        (local.set $x (f64.add (local.get $a) (local.get $s)))
        (local.set $err (f64.sub (local.get $s) (f64.sub (local.get $x) (local.get $a)))))
      (else
        (local.set $P (f64.load (i32.add (local.get $pow10) (i32.shl (i32.sub (i32.const 0) (local.get $e)) (i32.const 3)))))
        (local.set $q1 (f64.div (local.get $wh) (local.get $P)))
        (call $twoproduct (local.get $q1) (local.get $P))
        (local.set $pl)
        (local.set $a)
        (local.set $s (f64.add (f64.sub (f64.sub (local.get $wh) (local.get $a)) (local.get $pl)) (local.get $wl)))
        (local.set $q2 (f64.div (local.get $s) (local.get $P)))
        (local.set $x (f64.add (local.get $q1) (local.get $q2)))
        (local.set $err (f64.sub (local.get $q2) (f64.sub (local.get $x) (local.get $q1))))))
    (local.set $bits (i64.reinterpret_f64 (local.get $x)))
    ;; A power of two (lopsided rounding interval), or half an ulp below the normal range: undecided.
    (if (i64.eqz (i64.and (local.get $bits) (i64.const 0x000fffffffffffff))) (then (return (f64.const nan))))
    (local.set $exponent (i64.shr_u (local.get $bits) (i64.const 52)))
    (if (i64.le_u (local.get $exponent) (i64.const 54)) (then (return (f64.const nan))))
    (if (result f64)
      (f64.gt
        (f64.sub (f64.reinterpret_i64 (i64.shl (i64.sub (local.get $exponent) (i64.const 53)) (i64.const 52))) (f64.abs (local.get $err)))
        (f64.mul (f64.const 0x1p-100) (local.get $x)))
      (then (local.get $x))
      (else (f64.const nan))))

  (func (export "csvrecords")
    (param $p i32) (param $end i32) (param $ncol i32) (param $delim i32) (param $out i32) (param $stride i32)
    (param $maxRows i32) (param $pow10 i32) (param $exact i32) (result i32)
    (local $rows i32) (local $rec i32) (local $c i32) (local $b i32) (local $neg i32)
    (local $nd i32) (local $e i32) (local $integer i32) (local $k i32) (local $b2 i32) (local $w i64) (local $v8 i64)
    (local $eneg i32) (local $ex i32) (local $ed i32) (local $v f64) (local $last i32) (local $plus i32) (local $lead i32)
    (local.set $last (i32.sub (local.get $ncol) (i32.const 1)))
    (block $done
      (block $bad
        (loop $records
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (br_if $done (i32.ge_u (local.get $rows) (local.get $maxRows)))
          (local.set $rec (local.get $p))
          (local.set $c (i32.const 0))
          (loop $fields
            (local.set $b (i32.load8_u (local.get $p)))
            (local.set $neg (i32.const 0))
            (local.set $plus (i32.const 0))
            (if (i32.eq (local.get $b) (i32.const 45))
              (then
                (local.set $neg (i32.const 1))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $b (i32.load8_u (local.get $p))))
              (else
                (if (i32.eq (local.get $b) (i32.const 43))
                  (then
                    (local.set $plus (i32.const 1))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (local.set $b (i32.load8_u (local.get $p)))))))
            (local.set $lead (local.get $b))
            (local.set $w (i64.const 0))
            (local.set $nd (i32.const 0))
            (local.set $e (i32.const 0))
            (local.set $integer (i32.const 1))
            ;; The digits into the integer w, exactly: eight at a time while eight digits follow within the
            ;; chunk and w < 10^11 (so w·10^8 + 99999999 < 10^19), else one at a time; a twentieth
            ;; significant digit is Number()'s (decimal.ts takes at most 19).
            (block $int_done
              (loop $int
                (if (i32.and (i32.le_u (i32.add (local.get $p) (i32.const 8)) (local.get $end))
                      (i64.lt_u (local.get $w) (i64.const 100000000000)))
                  (then
                    (local.set $v8 (i64.load (local.get $p)))
                    (if (i64.eq
                          (i64.or (i64.and (local.get $v8) (i64.const 0xF0F0F0F0F0F0F0F0))
                            (i64.shr_u (i64.and (i64.add (local.get $v8) (i64.const 0x0606060606060606)) (i64.const 0xF0F0F0F0F0F0F0F0)) (i64.const 4)))
                          (i64.const 0x3333333333333333))
                      (then
                        ;; Digit values (byte k: the k-th digit, the most significant first), then in each
                        ;; even byte the two-digit number it starts, then the four pairs weighted 10^6, 10^4,
                        ;; 10^2, 1 by two multiplications of two 32-bit lanes each, summed in the high word
                        ;; (D. Lemire, "Number parsing at a gigabyte per second", Softw. Pract. Exp. 51 (2021)).
                        (local.set $v8 (i64.sub (local.get $v8) (i64.const 0x3030303030303030)))
                        (local.set $v8 (i64.add (i64.mul (local.get $v8) (i64.const 10)) (i64.shr_u (local.get $v8) (i64.const 8))))
                        (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 100000000)) (i64.shr_u
                          (i64.add
                            (i64.mul (i64.and (local.get $v8) (i64.const 0x000000FF000000FF)) (i64.const 0x000F424000000064))
                            (i64.mul (i64.and (i64.shr_u (local.get $v8) (i64.const 16)) (i64.const 0x000000FF000000FF)) (i64.const 0x0000271000000001)))
                          (i64.const 32))))
                        (local.set $nd (i32.add (local.get $nd) (i32.const 8)))
                        (local.set $p (i32.add (local.get $p) (i32.const 8)))
                        (local.set $b (i32.load8_u (local.get $p)))
                        (br $int)))))
                (br_if $int_done (i32.gt_u (i32.sub (local.get $b) (i32.const 48)) (i32.const 9)))
                (br_if $bad (i64.ge_u (local.get $w) (i64.const 1000000000000000000)))
                (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $b) (i32.const 48)))))
                (local.set $nd (i32.add (local.get $nd) (i32.const 1)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $b (i32.load8_u (local.get $p)))
                (br $int)))
            (if (i32.eq (local.get $b) (i32.const 46))
              (then
                (local.set $integer (i32.const 0))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $b (i32.load8_u (local.get $p)))
                (block $frac_done
                  (loop $frac
                    (if (i32.and (i32.le_u (i32.add (local.get $p) (i32.const 8)) (local.get $end))
                          (i64.lt_u (local.get $w) (i64.const 100000000000)))
                      (then
                        (local.set $v8 (i64.load (local.get $p)))
                        (if (i64.eq
                          (i64.or (i64.and (local.get $v8) (i64.const 0xF0F0F0F0F0F0F0F0))
                            (i64.shr_u (i64.and (i64.add (local.get $v8) (i64.const 0x0606060606060606)) (i64.const 0xF0F0F0F0F0F0F0F0)) (i64.const 4)))
                          (i64.const 0x3333333333333333))
                          (then
                            (local.set $v8 (i64.sub (local.get $v8) (i64.const 0x3030303030303030)))
                            (local.set $v8 (i64.add (i64.mul (local.get $v8) (i64.const 10)) (i64.shr_u (local.get $v8) (i64.const 8))))
                            (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 100000000)) (i64.shr_u
                          (i64.add
                            (i64.mul (i64.and (local.get $v8) (i64.const 0x000000FF000000FF)) (i64.const 0x000F424000000064))
                            (i64.mul (i64.and (i64.shr_u (local.get $v8) (i64.const 16)) (i64.const 0x000000FF000000FF)) (i64.const 0x0000271000000001)))
                          (i64.const 32))))
                            (local.set $nd (i32.add (local.get $nd) (i32.const 8)))
                            (local.set $e (i32.sub (local.get $e) (i32.const 8)))
                            (local.set $p (i32.add (local.get $p) (i32.const 8)))
                            (local.set $b (i32.load8_u (local.get $p)))
                            (br $frac)))))
                    (br_if $frac_done (i32.gt_u (i32.sub (local.get $b) (i32.const 48)) (i32.const 9)))
                    (br_if $bad (i64.ge_u (local.get $w) (i64.const 1000000000000000000)))
                    (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $b) (i32.const 48)))))
                    (local.set $nd (i32.add (local.get $nd) (i32.const 1)))
                    (local.set $e (i32.sub (local.get $e) (i32.const 1)))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (local.set $b (i32.load8_u (local.get $p)))
                    (br $frac)))))
            (br_if $bad (i32.eqz (local.get $nd)))
            ;; An exponent: digits after the e or E, or the field is not plain; one beyond 100000 is left to
            ;; the TypeScript (an i32 holds it, and the value is then Number()'s).
            (if (i32.or (i32.eq (local.get $b) (i32.const 101)) (i32.eq (local.get $b) (i32.const 69)))
              (then
                (local.set $k (i32.add (local.get $p) (i32.const 1)))
                (local.set $b2 (i32.load8_u (local.get $k)))
                (local.set $eneg (i32.const 0))
                (if (i32.eq (local.get $b2) (i32.const 45))
                  (then
                    (local.set $eneg (i32.const 1))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (local.set $b2 (i32.load8_u (local.get $k))))
                  (else
                    (if (i32.eq (local.get $b2) (i32.const 43))
                      (then
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (local.set $b2 (i32.load8_u (local.get $k)))))))
                (local.set $ex (i32.const 0))
                (local.set $ed (i32.const 0))
                (block $exp_done
                  (loop $exp
                    (br_if $exp_done (i32.gt_u (i32.sub (local.get $b2) (i32.const 48)) (i32.const 9)))
                    (local.set $ex (i32.add (i32.mul (local.get $ex) (i32.const 10)) (i32.sub (local.get $b2) (i32.const 48))))
                    (br_if $bad (i32.gt_s (local.get $ex) (i32.const 100000)))
                    (local.set $ed (i32.add (local.get $ed) (i32.const 1)))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (local.set $b2 (i32.load8_u (local.get $k)))
                    (br $exp)))
                (br_if $bad (i32.eqz (local.get $ed)))
                (local.set $integer (i32.const 0))
                (local.set $e (i32.add (local.get $e) (select (i32.sub (i32.const 0) (local.get $ex)) (local.get $ex) (local.get $eneg))))
                (local.set $p (local.get $k))
                (local.set $b (local.get $b2))))
            ;; The field ends in the delimiter, the record's last in a line feed.
            (br_if $bad (i32.ne (local.get $b) (select (i32.const 10) (local.get $delim) (i32.eq (local.get $c) (local.get $last)))))
            ;; An id: a sign +, a fraction or exponent, or a leading zero (but "0" itself) is not canonical.
            (if (i32.load8_u (i32.add (local.get $exact) (local.get $c)))
              (then
                (br_if $bad
                  (i32.or
                    (i32.or (local.get $plus) (i32.eqz (local.get $integer)))
                    (i32.and (i32.eq (local.get $lead) (i32.const 48)) (i32.or (local.get $neg) (i32.gt_u (local.get $nd) (i32.const 1))))))))
            (if (i32.and (i64.lt_u (local.get $w) (i64.const 0x20000000000000)) (i32.le_u (i32.add (local.get $e) (i32.const 22)) (i32.const 44)))
              (then
                (local.set $v
                  (if (result f64) (i32.ge_s (local.get $e) (i32.const 0))
                    (then (f64.mul (f64.convert_i64_u (local.get $w)) (f64.load (i32.add (local.get $pow10) (i32.shl (local.get $e) (i32.const 3))))))
                    (else (f64.div (f64.convert_i64_u (local.get $w)) (f64.load (i32.add (local.get $pow10) (i32.shl (i32.sub (i32.const 0) (local.get $e)) (i32.const 3)))))))))
              (else
                (local.set $v (call $decimal (local.get $w) (local.get $e) (local.get $pow10)))
                ;; Undecided (NaN), an integer of 2^53 or more, or a value beyond float64: the TypeScript's.
                (br_if $bad (f64.ne (local.get $v) (local.get $v)))
                (br_if $bad (i32.and (local.get $integer) (f64.ge (local.get $v) (f64.const 0x1p53))))
                (br_if $bad (f64.eq (local.get $v) (f64.const inf)))))
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $stride)) (local.get $rows)) (i32.const 3)))
              (select (f64.neg (local.get $v)) (local.get $v) (local.get $neg)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br_if $fields (i32.lt_u (local.get $c) (local.get $ncol))))
          (local.set $rows (i32.add (local.get $rows) (i32.const 1)))
          (br $records)))
      ;; A record that is not plain: back to its start.
      (local.set $p (local.get $rec)))
    (i32.store (i32.const 0) (local.get $p))
    (local.get $rows))

  ;; countlines: the line feeds in bytes [p, p + len), or −1 when those bytes hold a quote or a carriage
  ;; return (src/data/csv-fast.ts countLineFeeds: where the threaded CSV reader splits a file;
  ;; countLineFeedsIn: the first chunk's lines, from which the reader sizes its columns).
  (func (export "countlines") (param $p i32) (param $len i32) (result i32)
    (local $end i32) (local $n i32) (local $v v128) (local $bad v128) (local $b i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $n (i32.add (local.get $n) (i32.popcnt (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10)))))))
        (local.set $bad
          (v128.or (local.get $bad)
            (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 34))) (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vloop)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 34)) (i32.eq (local.get $b) (i32.const 13))) (then (return (i32.const -1))))
        (local.set $n (i32.add (local.get $n) (i32.eq (local.get $b) (i32.const 10))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (select (i32.const -1) (local.get $n) (v128.any_true (local.get $bad))))
)
