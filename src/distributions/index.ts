export { Bernoulli, Categorical, klCategorical } from "./bernoulli.js";
export { Normal, MixtureOfGaussians, klNormal, klStandardNormal } from "./normal.js";
export { DiscretizedLogisticMixture } from "./logistic.js";
