/** The model layer's public face. Importing this module registers every model: one import line per model file. */
export * from "./base.js";
export { AutoregressiveModel } from "./autoregressive/autoregressive.js";
export * from "./registry.js";
export { field, parseOptions, optionsJsonSchema, describeOptions, OptionsError } from "./options.js";
export { parseRecipe, recipeSchema } from "./recipe.js";
export { MADE, madeMasks } from "./autoregressive/made.js";
export { NADE } from "./autoregressive/nade.js";
export { FVSBN } from "./autoregressive/fvsbn.js";
export { TabularAR } from "./autoregressive/tabular.js";
export { VAE } from "./latent/vae.js";
export { PPCA } from "./latent/ppca.js";
export { Autoencoder } from "./latent/autoencoder.js";
export { PixelCNN } from "./pixel/pixelcnn.js";
export { GatedPixelCNN } from "./pixel/gated-pixelcnn.js";
export { PixelRNN } from "./pixel/pixel-rnn.js";
