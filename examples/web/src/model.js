// The CNN the app trains, and the bundled data set's layout. Shared by the
// training worker (the model) and the page (class names).
export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MODEL_NAME = 'sinew-fashion-cnn';

/** conv 16@3×3 – pool – conv 32@3×3 – pool – dense 128 – dense 10 softmax (≈ 206k parameters). */
export function buildModel(sinew, seed = 1) {
  const { layers, initializers } = sinew;
  return sinew.sequential({
    name: MODEL_NAME,
    layers: [
      layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: initializers.heNormal(seed) }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: initializers.heNormal(seed + 1) }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 128, activation: 'relu', kernelInitializer: initializers.heNormal(seed + 2) }),
      layers.dense({ units: 10, activation: 'softmax', kernelInitializer: initializers.glorotUniform(seed + 3) }),
    ],
  });
}

/** Parses the inflated data file made by scripts/make-data.mjs. */
export function parseDataset(buffer) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'FMN1') throw new Error(`training data: bad magic '${magic}' (expected FMN1)`);
  const [nTrain, nTest, rows, cols] = [4, 8, 12, 16].map((o) => view.getUint32(o, true));
  const px = rows * cols;
  let off = 20;
  const take = (n) => bytes.subarray(off, (off += n));
  const trainX = take(nTrain * px), trainY = take(nTrain), testX = take(nTest * px), testY = take(nTest);
  if (off !== bytes.length) throw new Error(`training data: ${bytes.length} bytes, header describes ${off}`);
  return { nTrain, nTest, rows, cols, trainX, trainY, testX, testY };
}
