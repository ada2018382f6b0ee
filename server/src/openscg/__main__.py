from openscg.cli import main

raise SystemExit(main())
