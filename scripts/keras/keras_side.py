"""The Keras half of `npm run test:keras` (driven by scripts/keras/roundtrip.mjs).

For each model Sinew saved under WORK/<name>/sinew (model.json + weights.bin):
  1. tensorflowjs_converter → WORK/<name>/from-sinew.h5
  2. Keras 3 and tf.keras (Keras 2) load it: predictions vs Sinew's (WORK/<name>/x.json,
     sinew-pred.json). The converter drops model.json's trainingConfig, so both are
     compiled from it with Keras's own function for an .h5 file's training_config
     (compile_args_from_training_config): Keras must read what Sinew writes.
  3. Keras 3 trains one epoch (the way out: more steps on a bigger machine) and saves
     both legacy .h5 and native .keras; both go back to the TF.js layers format
     (WORK/<name>/back-h5, back-keras) with Keras 3's predictions in keras-pred.json.
Writes WORK/<name>/keras-report.json; the Node side checks the numbers.
"""
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402  (Keras 3)
import tf_keras  # noqa: E402  (Keras 2, what tensorflowjs uses)
from keras.src.legacy.saving import saving_utils as keras3_saving  # noqa: E402
from tf_keras.src.saving.legacy import saving_utils as keras2_saving  # noqa: E402

WORK = sys.argv[1]
CONVERTER = os.path.join(os.path.dirname(sys.executable), "tensorflowjs_converter")


def convert(*args):
    subprocess.run([CONVERTER, *args], check=True, capture_output=True, text=True)


def worst(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def run(name):
    d = os.path.join(WORK, name)
    x = np.asarray(json.load(open(os.path.join(d, "x.json"))), dtype=np.float32)
    y = np.asarray(json.load(open(os.path.join(d, "y.json"))), dtype=np.int32)
    sinew_pred = np.asarray(json.load(open(os.path.join(d, "sinew-pred.json"))), dtype=np.float32)
    h5 = os.path.join(d, "from-sinew.h5")
    convert("--input_format=tfjs_layers_model", "--output_format=keras", os.path.join(d, "sinew", "model.json"), h5)

    training_config = json.load(open(os.path.join(d, "sinew", "model.json")))["trainingConfig"]
    report = {"keras_version": keras.__version__, "tf_keras_version": tf_keras.__version__}
    k2 = tf_keras.models.load_model(h5)
    report["keras2_vs_sinew"] = worst(k2.predict(x, verbose=0), sinew_pred)
    k2.compile(**keras2_saving.compile_args_from_training_config(training_config))
    k2.fit(x, y, epochs=1, batch_size=16, verbose=0)
    report["keras2_compiled"] = {"optimizer": type(k2.optimizer).__name__, "loss": str(k2.loss)}

    k3 = keras.models.load_model(h5)
    report["keras3_vs_sinew"] = worst(k3.predict(x, verbose=0), sinew_pred)
    k3.compile(**keras3_saving.compile_args_from_training_config(training_config))
    report["keras3_compiled"] = {
        "optimizer": type(k3.optimizer).__name__,
        "learning_rate": float(keras.ops.convert_to_numpy(k3.optimizer.learning_rate)),
        "loss": str(getattr(k3, "loss", None)),
    }
    k3.fit(x, y, epochs=1, batch_size=16, verbose=0)
    pred = k3.predict(x, verbose=0)
    report["keras3_trained_changed"] = worst(pred, sinew_pred)
    json.dump(pred.tolist(), open(os.path.join(d, "keras-pred.json"), "w"))

    back_h5 = os.path.join(d, "k3.h5")
    k3.save(back_h5)
    convert("--input_format=keras", back_h5, os.path.join(d, "back-h5"))
    native = os.path.join(d, "k3.keras")
    k3.save(native)
    try:
        convert("--input_format=keras_keras", "--output_format=tfjs_layers_model", native, os.path.join(d, "back-keras"))
        report["native_keras_converted"] = True
    except subprocess.CalledProcessError as e:
        report["native_keras_converted"] = False
        report["native_keras_error"] = (e.stderr or "")[-400:]
    json.dump(report, open(os.path.join(d, "keras-report.json"), "w"), indent=1)


for model_name in sys.argv[2:]:
    run(model_name)
