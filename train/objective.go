package train

import "math"

// nothing marks the "show nothing" / "keep the code" action in place of a
// row index. Its logit is 0 for every network, so its reward and its
// reference logit are 0 too.
const nothing = -1

// comparison is one Bradley–Terry observation pos ≻ neg, where either side
// may be the nothing action. A label is a comparison with the nothing
// action: desirable a is a ≻ nothing, undesirable a is nothing ≻ a.
type comparison struct {
	pos, neg int32
	w        float64
	label    bool // from a label preference (weighted by Settings.LabelWeight in the reward model)
}

// labelEx is one unpaired label (KTO).
type labelEx struct {
	row       int32
	set       int32 // index into dataset.sets
	desirable bool
	w         float64
}

// setEx is one logged candidate set (KL objective).
type setEx struct {
	set int32 // index into dataset.sets
	w   float64
}

// logitAt returns the logit of row r in the batch (0 for nothing).
func logitAt(z []float64, loc []int32, r int32) float64 {
	if r == nothing {
		return 0
	}
	return z[loc[r]]
}

func addGrad(dz []float64, loc []int32, r int32, v float64) {
	if r != nothing {
		dz[loc[r]] += v
	}
}

// softplus returns log(1+eˣ) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// sigmoid returns 1/(1+e⁻ˣ) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// rewardLoss is the reward model's loss on a batch of comparisons:
//
//	Σ w·c·softplus(−(r⁺ − r⁻))
//
// (= −w·c·log σ(r⁺ − r⁻)) with c = labelWeight for labels and 1 for pairs.
// It adds the gradient with respect to the logits z to dz and returns the
// loss and the total weight Σ w·c (the caller normalises by it).
func rewardLoss(cmps []comparison, loc []int32, z, dz []float64, labelWeight float64) (loss, wsum float64) {
	for _, c := range cmps {
		w := c.w
		if c.label {
			w *= labelWeight
		}
		m := logitAt(z, loc, c.pos) - logitAt(z, loc, c.neg)
		loss += w * softplus(-m)
		g := -w * sigmoid(-m)
		addGrad(dz, loc, c.pos, g)
		addGrad(dz, loc, c.neg, -g)
		wsum += w
	}
	return loss, wsum
}

// logSumExp returns log(e⁰ + Σ e^{z_a}) over members plus the nothing
// action.
func logSumExp(members []int32, z func(r int32) float64) float64 {
	m := 0.0
	for _, r := range members {
		m = max(m, z(r))
	}
	s := math.Exp(-m)
	for _, r := range members {
		s += math.Exp(z(r) - m)
	}
	return m + math.Log(s)
}

// klLoss is the negated KL-regularised objective over candidate sets. For a
// set S with members a (logits z_a from the policy, zr_a from the frozen
// reference, rewards r_a) and the nothing action (z = zr = r = 0), with
// π = softmax(z) and π_ref = softmax(zr) over S ∪ {nothing}:
//
//	J(S) = Σ_a π_a·r_a − β·Σ_a π_a·(log π_a − log π_ref,a)
//
// computed exactly. The loss is −Σ w_S·J(S); its gradient with respect to
// a member's logit is −w_S·π_b·(h_b − Σ_a π_a·h_a) with
// h_a = r_a − β·(log π_a − log π_ref,a). zref and rew are indexed by
// dataset row.
func klLoss(units []setEx, sets [][]int32, loc []int32, z, zref, rew []float64, beta float64, dz []float64) (loss, wsum float64) {
	var pi, h []float64
	for _, u := range units {
		mem := sets[u.set]
		lz := logSumExp(mem, func(r int32) float64 { return z[loc[r]] })
		lr := logSumExp(mem, func(r int32) float64 { return zref[r] })
		pi, h = pi[:0], h[:0]
		// The nothing action first.
		p0 := math.Exp(-lz)
		h0 := -beta * (-lz + lr) // r = 0, log π = −lz, log π_ref = −lr
		j := p0 * h0             // J = Σ π·h, which is also the baseline Σ π·h of the gradient
		for _, r := range mem {
			lp := z[loc[r]] - lz
			lq := zref[r] - lr
			p := math.Exp(lp)
			hv := rew[r] - beta*(lp-lq)
			pi, h = append(pi, p), append(h, hv)
			j += p * hv
		}
		loss -= u.w * j
		for k, r := range mem {
			dz[loc[r]] -= u.w * pi[k] * (h[k] - j)
		}
		wsum += u.w
	}
	return loss, wsum
}

// dpoLoss is DPO's loss on pairs c ≻ n with the frozen base as reference:
//
//	−w·log σ(β·((z_c − zr_c) − (z_n − zr_n)))
//
// where the nothing action has z = zr = 0. Within one candidate set the
// softmax normalisers cancel, so these logit differences are exactly the
// log-probability ratios of DPO for the set policy.
func dpoLoss(pairs []comparison, loc []int32, z, zref []float64, beta float64, dz []float64) (loss, wsum float64) {
	ref := func(r int32) float64 {
		if r == nothing {
			return 0
		}
		return zref[r]
	}
	for _, c := range pairs {
		hv := beta * ((logitAt(z, loc, c.pos) - ref(c.pos)) - (logitAt(z, loc, c.neg) - ref(c.neg)))
		loss += c.w * softplus(-hv)
		g := -c.w * beta * sigmoid(-hv)
		addGrad(dz, loc, c.pos, g)
		addGrad(dz, loc, c.neg, -g)
		wsum += c.w
	}
	return loss, wsum
}

// setKL returns KL(π‖π_ref) over a set and the nothing action.
func setKL(mem []int32, loc []int32, z, zref []float64) float64 {
	lz := logSumExp(mem, func(r int32) float64 { return z[loc[r]] })
	lr := logSumExp(mem, func(r int32) float64 { return zref[r] })
	kl := math.Exp(-lz) * (-lz + lr)
	for _, r := range mem {
		lp := z[loc[r]] - lz
		kl += math.Exp(lp) * (lp - (zref[r] - lr))
	}
	return max(kl, 0)
}

// ktoRefPoint is KTO's reference point z₀ for a batch: the mean over the
// batch's labels of KL(π(·|S)‖π_ref(·|S)) on each label's candidate set,
// clamped at 0. It is treated as a constant (no gradient flows through it),
// as in the KTO paper and TRL.
func ktoRefPoint(units []labelEx, sets [][]int32, loc []int32, z, zref []float64) float64 {
	if len(units) == 0 {
		return 0
	}
	s := 0.0
	for _, u := range units {
		s += setKL(sets[u.set], loc, z, zref)
	}
	return max(0, s/float64(len(units)))
}

// ktoLoss is KTO's loss on labels with reference point z0:
//
//	desirable:   λ_D·w·(1 − σ(β·(ρ − z0)))
//	undesirable: λ_U·w·(1 − σ(β·(z0 − ρ)))
//
// where ρ = log π(a|S) − log π_ref(a|S) for the label's suggestion a in its
// candidate set S (with the nothing action). The total weight returned is
// Σ w (λ scales the loss, not the normaliser, as in TRL).
func ktoLoss(units []labelEx, sets [][]int32, loc []int32, z, zref []float64, beta, lambdaD, lambdaU, z0 float64, dz []float64) (loss, wsum float64) {
	for _, u := range units {
		mem := sets[u.set]
		lz := logSumExp(mem, func(r int32) float64 { return z[loc[r]] })
		lr := logSumExp(mem, func(r int32) float64 { return zref[r] })
		rho := (z[loc[u.row]] - lz) - (zref[u.row] - lr)
		var dRho float64
		if u.desirable {
			v := beta * (rho - z0)
			s := sigmoid(v)
			loss += lambdaD * u.w * (1 - s)
			dRho = -lambdaD * u.w * beta * s * (1 - s)
		} else {
			v := beta * (z0 - rho)
			s := sigmoid(v)
			loss += lambdaU * u.w * (1 - s)
			dRho = lambdaU * u.w * beta * s * (1 - s)
		}
		// ∂ρ/∂z_b = [b = a] − π_b for members b.
		dz[loc[u.row]] += dRho
		for _, r := range mem {
			dz[loc[r]] -= dRho * math.Exp(z[loc[r]]-lz)
		}
		wsum += u.w
	}
	return loss, wsum
}
