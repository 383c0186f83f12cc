// The demos' index page: links, and the backend badge (so the landing page already says WebGPU or CPU).
import { startWebgrad } from './backend';

startWebgrad().catch((e) => console.error(e));
