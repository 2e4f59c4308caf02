// The same for a CommonJS TypeScript user (require condition, dist/cjs/*.d.ts).
import { WshubClient, shouldReconnect } from "wshub-client";
const c = new WshubClient(["ws://a", "ws://b"]);
c.connect();
console.log(shouldReconnect(4001));
