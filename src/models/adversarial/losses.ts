/**
 * The adversarial objectives, written on the discriminator's logits l (D = σ(l)) so that every log of a probability
 * is a softplus and never log(0): −log σ(l) = softplus(−l) and −log(1 − σ(l)) = softplus(l).
 *
 * Goodfellow et al. 2014 (https://arxiv.org/abs/1406.2661): the discriminator maximises
 * V(D, G) = E_data[log D(x)] + E_g[log(1 − D(x))]; at its optimum D* = p_data / (p_data + p_g),
 * V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g). The generator minimises E_z[log(1 − D(G(z)))] ("minimax") or, as the
 * paper recommends for strong early gradients, maximises E_z[log D(G(z))] ("non-saturating").
 * Hinge (Lim & Ye 2017, https://arxiv.org/abs/1705.02894; Miyato et al. 2018, https://arxiv.org/abs/1802.05957):
 * the discriminator minimises E_data[max(0, 1 − l)] + E_g[max(0, 1 + l)], a margin loss that stops pushing a logit
 * once it is past ±1; the generator minimises −E_g[l].
 * Arjovsky et al. 2017 / Gulrajani et al. 2017 (https://arxiv.org/abs/1704.00028): a critic f without sigmoid is
 * trained on E_g[f] − E_data[f]; the generator minimises −E_g[f].
 */
import type { Tensor } from "../../tensor/tensor.js";

export type GeneratorLoss = "non-saturating" | "minimax" | "hinge";
export type DiscriminatorLoss = "logistic" | "hinge";

/**
 * Per-sample discriminator losses: −log D(x) on real logits, −log(1 − D(x)) on generated ones ("logistic"), or
 * max(0, 1 − l) on real and max(0, 1 + l) on generated ones ("hinge").
 */
export function discriminatorTerms(
  realLogit: Tensor,
  fakeLogit: Tensor,
  kind: DiscriminatorLoss = "logistic",
): { real: Tensor; fake: Tensor } {
  if (kind === "hinge") return { real: realLogit.neg().add(1).relu(), fake: fakeLogit.add(1).relu() };
  return { real: realLogit.neg().softplus(), fake: fakeLogit.softplus() };
}

/** The discriminator's loss on a batch (−V(D, G) if logistic): a mean over real and one over generated samples. */
export function discriminatorLoss(realLogit: Tensor, fakeLogit: Tensor, kind: DiscriminatorLoss = "logistic"): Tensor {
  const t = discriminatorTerms(realLogit, fakeLogit, kind);
  return t.real.mean().add(t.fake.mean());
}

/**
 * Per-sample generator losses on the logits of generated samples:
 * minimax log(1 − σ(l)) = −softplus(l), d/dl = −σ(l) (vanishes as D grows confident, l → −∞);
 * non-saturating −log σ(l) = softplus(−l), d/dl = σ(l) − 1 (tends to −1 there);
 * hinge −l, d/dl = −1 everywhere (the generator half of the hinge loss, Miyato et al. 2018).
 */
export function generatorTerms(fakeLogit: Tensor, kind: GeneratorLoss): Tensor {
  if (kind === "hinge") return fakeLogit.neg();
  return kind === "minimax" ? fakeLogit.softplus().neg() : fakeLogit.neg().softplus();
}

export function generatorLoss(fakeLogit: Tensor, kind: GeneratorLoss): Tensor {
  return generatorTerms(fakeLogit, kind).mean();
}

/** The critic's loss E_g[f] − E_data[f] (the negative of its Wasserstein-1 estimate). */
export function criticLoss(realScore: Tensor, fakeScore: Tensor): Tensor {
  return fakeScore.mean().sub(realScore.mean());
}
