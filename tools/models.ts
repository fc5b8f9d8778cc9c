/**
 * The model registry of the `litrec` CLI: name → factory from `--param k=v` pairs.
 * Each chapter adds one entry for its model; `litrec evaluate --model NAME` and `litrec recommend` use it.
 */
import { GlobalMeanRecommender, type Recommender } from "../lib/data";
import { createNeighbourhoodModel } from "../lib/usercf";
import { createMFModel, createSvdppModel, createBlendModel } from "../lib/mf";
import { createNeuralModel } from "../lib/ncf";

/** A registered model: a one-line description and a factory from string parameters. */
export interface ModelEntry {
  describe: string; // one line for `litrec --help`, naming the parameters it reads
  create(params: Record<string, string>): Recommender;
}

export const MODELS: Record<string, ModelEntry> = {
  "global-mean": {
    describe: "predicts the training mean for every pair (the baseline; no parameters)",
    create: () => new GlobalMeanRecommender(),
  },
  usercf: {
    describe: "user-based CF, the original formula (S·X)⊘(S·1[X≠0]) with cosine S over every neighbour (k=0, similarity, centring, shrinkage, threads)",
    create: (params) => createNeighbourhoodModel("usercf", params),
  },
  knn: {
    describe: "user-based top-K, mean-centred, Pearson (k=40, similarity, centring, shrinkage, keep, threads)",
    create: (params) => createNeighbourhoodModel("knn", params),
  },
  "knn-baseline": {
    describe: "user-based top-K on baseline residuals, shrunk Pearson-baseline (k=40, shrinkage=100, regUser=15, regItem=10, threads)",
    create: (params) => createNeighbourhoodModel("knn-baseline", params),
  },
  itemcf: {
    describe: "item-based top-K on baseline residuals, shrunk Pearson-baseline (k=40, shrinkage=100, similarity, centring, threads)",
    create: (params) => createNeighbourhoodModel("itemcf", params),
  },
  baseline: {
    describe: "regularised baseline μ + b_u + b_i, Surprise's ALS (regUser=15, regItem=10)",
    create: (params) => createNeighbourhoodModel("baseline", params),
  },
  ncf: {
    describe: "neural CF: user and item embeddings concatenated into an MLP, sigmoid_range output (epochs=5, batchSize=512, optimizer=adamw|adam|sgd-momentum, lr=5e-3, wd=0.1, hidden=10, dropout=0.5, userDim=50, itemDim=50)",
    create: (params) => createNeuralModel("ncf", params),
  },
  "mf-sgd": {
    describe: "biased matrix factorisation by SGD in WebAssembly SIMD, stratified over all cores (k, epochs, lr from the data's size: 16, 20, 0.01 at 100k ratings, 52, 10, 0.02 at 6.9 M; threads: all cores from 200k ratings; decay=0.92, reg=0.03, regBias=0.01, kernel=wasm|js, seed)",
    create: (params) => createMFModel("mf-sgd", params),
  },
  "mf-als": {
    describe: "biased matrix factorisation by alternating least squares, weighted-λ (k=16, epochs=10, lambda=0.1, biased, seed)",
    create: (params) => createMFModel("mf-als", params),
  },
  svdpp: {
    describe: "SVD++ (Koren 2008): biased MF plus the implicit feedback of which items each user rated, trained user by user (k=32, epochs=20, lr=0.01, decay=0.92, reg=0.04, regImplicit=0.1, regBias=0.01, seed)",
    create: (params) => createSvdppModel(params),
  },
  blend: {
    describe: "linear stacking of base models' predictions on a held-out slice, then refitted on all (models=itemcf+knn-baseline+mf-sgd+mf-als+svdpp, holdout=0.1, ridge=1e-4, seed)",
    create: (params) => createBlendModel(params),
  },
  "mf-gd": {
    describe: "full-batch gradient descent with tfjs autodiff and AdamW, the original's method (k=32, lr=0.02, l2=0.05 per rating, wd=0, maxEpochs=400, form=pairs|gather|dense, initStd, biased)",
    create: (params) => createMFModel("mf-gd", params),
  },
};
