/** Importing this module registers every model. */
export { GenerativeModel, AutoregressiveModel } from "./base.js";
export type { Estimator, LikelihoodResult, DataShape } from "./base.js";
export { registerModel, getModelSpec, listModels, mergeConfig } from "./registry.js";
export type { ModelSpec, Recipe } from "./registry.js";
export { MADE, madeMasks } from "./autoregressive/made.js";
export { NADE } from "./autoregressive/nade.js";
export { FVSBN } from "./autoregressive/fvsbn.js";
export { TabularAR } from "./autoregressive/tabular.js";
export { VAE } from "./latent/vae.js";
export { PPCA } from "./latent/ppca.js";
export { Autoencoder } from "./latent/autoencoder.js";
