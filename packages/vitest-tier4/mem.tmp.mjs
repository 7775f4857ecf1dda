import ort from 'onnxruntime-node';
const path = process.argv[2];
const keep = [];
keep.push(await ort.InferenceSession.create(path));
const deltas = [];
for (let i = 0; i < 3; i++) {
  const a = process.memoryUsage().rss;
  keep.push(await ort.InferenceSession.create(path));
  deltas.push(process.memoryUsage().rss - a);
}
console.log(path.split('/').slice(-2).join('/'), deltas);
