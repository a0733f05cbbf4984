// Preloaded into the Portkey gateway (`node --require`): it listens on every interface, the benchmark keeps every
// server on 127.0.0.1.
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const callback = args.find((arg) => typeof arg === 'function');
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: Number(args[0]) || 0 };
  return listen.call(this, { ...options, host: '127.0.0.1' }, callback);
};
