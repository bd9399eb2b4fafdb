import { PGlite } from "@electric-sql/pglite";
(globalThis as { duetPGlite?: typeof PGlite }).duetPGlite = PGlite;
