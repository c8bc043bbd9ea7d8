export { Bernoulli } from "./bernoulli.js";
export { Categorical, klCategorical } from "./categorical.js";
export { Normal, MixtureOfGaussians, klNormal, klStandardNormal } from "./normal.js";
export { DiscretizedLogisticMixture } from "./logistic.js";
