// Reads the QR code in a binary PPM image (as pdftoppm writes it) with the jsQR that the
// check-in page ships, and prints its text. Usage: node qr_decode.cjs image.ppm
const fs = require("fs");
const path = require("path");
const jsQR = require(path.join(__dirname, "..", "..", "esof", "static", "vendor", "jsqr", "jsQR.js"));
const buf = fs.readFileSync(process.argv[2]);
// binary PPM: P6\n<w> <h>\n255\n
let pos = 0, fields = [];
while (fields.length < 4) { let s = ""; while (/\s/.test(String.fromCharCode(buf[pos]))) pos++; while (!/\s/.test(String.fromCharCode(buf[pos]))) s += String.fromCharCode(buf[pos++]); fields.push(s); }
pos++;
const [w, h] = [parseInt(fields[1]), parseInt(fields[2])];
const rgba = new Uint8ClampedArray(w * h * 4);
for (let i = 0; i < w * h; i++) { rgba[4*i] = buf[pos+3*i]; rgba[4*i+1] = buf[pos+3*i+1]; rgba[4*i+2] = buf[pos+3*i+2]; rgba[4*i+3] = 255; }
const code = jsQR(rgba, w, h);
console.log(code ? code.data : "NO CODE");
