// The program is in program.ts; its return value holds the stack outputs.
import { program } from "./program";

export = program();
