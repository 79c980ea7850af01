// User strings that would run script or break out of markup if the report did not escape them.
export const HOSTILE = {
  stageRationale: '<script>alert("stage")</script> & why',
  taskRationale: '"><img src=x onerror=alert(1)><b>bold</b>',
  description: "</style></title><script>alert('description')</script>",
} as const;
