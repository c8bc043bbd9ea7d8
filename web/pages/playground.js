// placeholder replaced below
export const title = "2-D playground";
export async function mount(root) {
  root.textContent = "";
}
