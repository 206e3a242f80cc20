// Bulk export start, system level: every resource of type $type (a label), streamed from a scan of the type.
// Binds n; composed with export-current (which resources count) and export-return (the columns), e.g.
// "export-type+export-current+export-return".
MATCH (n:$($type))
