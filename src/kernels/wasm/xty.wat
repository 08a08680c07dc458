;; Xᵀ·Y in float64 WebAssembly SIMD, the one heavy product of the 'float64-wasm' backend
;; (src/kernels/wasm-backend.ts brings every product to this form):
;;   out[r, k] = Σ_u x[u, r] · y[u, k]     r < p, k < q, u < n
;; x, y, out: byte offsets of row-major float64 matrices with leading dimensions ldx, ldy, ldo
;; (elements). p and q are multiples of 4 (callers pad with zeros). A 4×4 block of out is held in
;; eight f64x2 accumulators while u runs over all n rows, so each x and y value is loaded once per
;; block (the register-blocked micro-kernel of Goto and van de Geijn 2008, without packing: callers
;; lay x and y out contiguously). With sym ≠ 0 only blocks with k ≥ r are computed (the caller
;; mirrors the rest). Sums run over u in order, so results do not depend on anything but the data.
;; gather (below) lays out the operands of weighted sums over the units with non-zero weight.
;; Rebuild xty-wasm.ts after an edit: npm run build:wasm (a test checks that the two agree).
(module
  (memory (export "memory") 1)
  (func (export "xty")
    (param $x i32) (param $y i32) (param $out i32) (param $n i32) (param $p i32) (param $q i32)
    (param $ldx i32) (param $ldy i32) (param $ldo i32) (param $sym i32)
    (local $r i32) (local $k i32) (local $u i32) (local $xp i32) (local $yp i32) (local $op i32)
    (local $sx i32) (local $sy i32) (local $so i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $y0 v128) (local $y1 v128) (local $t v128)
    (local.set $sx (i32.shl (local.get $ldx) (i32.const 3)))
    (local.set $sy (i32.shl (local.get $ldy) (i32.const 3)))
    (local.set $so (i32.shl (local.get $ldo) (i32.const 3)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $p)))
        (local.set $k (select (local.get $r) (i32.const 0) (local.get $sym)))
        (block $kdone
          (loop $kloop
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $q)))
            (local.set $a00 (v128.const i64x2 0 0))
            (local.set $a01 (v128.const i64x2 0 0))
            (local.set $a10 (v128.const i64x2 0 0))
            (local.set $a11 (v128.const i64x2 0 0))
            (local.set $a20 (v128.const i64x2 0 0))
            (local.set $a21 (v128.const i64x2 0 0))
            (local.set $a30 (v128.const i64x2 0 0))
            (local.set $a31 (v128.const i64x2 0 0))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $r) (i32.const 3))))
            (local.set $yp (i32.add (local.get $y) (i32.shl (local.get $k) (i32.const 3))))
            (local.set $u (local.get $n))
            (block $udone
              (br_if $udone (i32.eqz (local.get $u)))
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
                (local.set $xp (i32.add (local.get $xp) (local.get $sx)))
                (local.set $yp (i32.add (local.get $yp) (local.get $sy)))
                (br_if $uloop (local.tee $u (i32.sub (local.get $u) (i32.const 1))))))
            (local.set $op (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldo)) (local.get $k)) (i32.const 3))))
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
        (br $rloop))))
  ;; Rows of src (n rows of p values) whose weight w[i] is non-zero, each multiplied by w[i] when
  ;; scale ≠ 0, copied to consecutive rows of dst (leading dimension ld ≥ p, zero-padded); returns
  ;; how many rows were written. Builds xty's operands for weighted sums over the units drawn.
  (func (export "gather")
    (param $src i32) (param $w i32) (param $n i32) (param $p i32) (param $dst i32) (param $ld i32) (param $scale i32)
    (result i32)
    (local $i i32) (local $m i32) (local $j i32) (local $s i32) (local $d i32) (local $wi f64) (local $f f64)
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.ne (local.get $wi) (f64.const 0))
          (then
            (local.set $f (select (local.get $wi) (f64.const 1) (local.get $scale)))
            (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $p)) (i32.const 3))))
            (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $m) (local.get $ld)) (i32.const 3))))
            (local.set $j (i32.const 0))
            (block $cdone
              (loop $cloop
                (br_if $cdone (i32.ge_u (local.get $j) (local.get $p)))
                (f64.store (local.get $d) (f64.mul (local.get $f) (f64.load (local.get $s))))
                (local.set $s (i32.add (local.get $s) (i32.const 8)))
                (local.set $d (i32.add (local.get $d) (i32.const 8)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $cloop)))
            (block $zdone
              (loop $zloop
                (br_if $zdone (i32.ge_u (local.get $j) (local.get $ld)))
                (f64.store (local.get $d) (f64.const 0))
                (local.set $d (i32.add (local.get $d) (i32.const 8)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $zloop)))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
    (local.get $m))
)
